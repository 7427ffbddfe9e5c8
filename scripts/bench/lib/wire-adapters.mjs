// What a load client needs to know about each server's wire format, and nothing more:
// how to register, how to send one room-wide message, how to recognise a delivered message
// in raw received bytes (without decoding strings), and how to answer the server's PING.
// netchat and the bare reference share one adapter; InspIRCd speaks IRC.

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const PRIVMSG = Buffer.from('PRIVMSG');
const BROADCAST_TAG = Buffer.from('[Broadcast] ');
const PING = Buffer.from('PING');

// A byte loop, not Buffer#compare: it runs for every line received, and the native call's
// argument checks cost more than comparing a dozen bytes (a third of the generator's CPU).
function startsWith(buf, start, end, prefix) {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

function lineText(buf, start, end) {
  return buf.toString('latin1', start, end > start && buf[end - 1] === CR ? end - 1 : end);
}

export const netchatAdapter = {
  name: 'netchat',
  /** Bytes sent right after connecting. */
  hello: (name) => `JOIN ${name}\n`,
  /**
   * Feed one setup line; returns 'registered' once the client is in the room, throws on a
   * refusal, and may write follow-up lines.
   */
  onSetupLine(line, name) {
    if (line.startsWith(`[Server] Welcome, ${name}!`)) return 'registered';
    if (line.startsWith('ERROR ')) throw new Error(`${name}: ${line}`);
    return undefined;
  },
  message: (text) => `BROADCAST ${text}\n`,
  isDelivery: (buf, start, end) => startsWith(buf, start, end, BROADCAST_TAG),
  /** The reply to a server PING line, or undefined when the line is not a PING. */
  pingReply(buf, start, end) {
    if (!startsWith(buf, start, end, PING)) return undefined;
    const line = lineText(buf, start, end);
    return line.length > 5 ? `PONG ${line.slice(5)}\n` : 'PONG\n';
  },
};

export const ircAdapter = {
  name: 'irc',
  hello: (name) => `NICK ${name}\r\nUSER ${name} 0 * :${name}\r\n`,
  onSetupLine(line, name, write) {
    const words = line.split(' ');
    if (words[0] === 'PING') {
      write(`PONG ${words.slice(1).join(' ')}\r\n`);
      return undefined;
    }
    if (words[0] === 'ERROR') throw new Error(`${name}: ${line}`);
    const numeric = words[1];
    if (numeric === '001') write('JOIN #bench\r\n');
    else if (numeric === '366') return 'registered'; // end of NAMES: the JOIN is complete
    else if (/^[45]\d\d$/.test(numeric ?? '')) throw new Error(`${name}: ${line}`);
    return undefined;
  },
  message: (text) => `PRIVMSG #bench :${text}\r\n`,
  // `:nick!user@host PRIVMSG #bench :text` — the command is the second word.
  isDelivery(buf, start, end) {
    if (buf[start] !== 0x3a) return false;
    const space = buf.indexOf(SPACE, start);
    return space !== -1 && space < end && startsWith(buf, space + 1, end, PRIVMSG);
  },
  pingReply(buf, start, end) {
    if (!startsWith(buf, start, end, PING)) return undefined;
    return `PONG ${lineText(buf, start + 5, end)}\r\n`;
  },
};

export function adapterFor(protocol) {
  if (protocol === 'netchat') return netchatAdapter;
  if (protocol === 'irc') return ircAdapter;
  throw new Error(`unknown protocol "${protocol}"`);
}

export { LF };
