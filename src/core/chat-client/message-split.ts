// A message longer than the server takes in one line is sent as several, each cut where a
// person would not notice: between characters (never inside a UTF-8 sequence, a surrogate pair
// or a grapheme such as 👍🏽 or é written as e + accent), and at a space when one is near.
const encoder = new TextEncoder();

const segmenter = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : undefined;

/** The characters of `text` as a person counts them (grapheme clusters where the runtime can). */
function characters(text: string): string[] {
  if (!segmenter) return Array.from(text);
  return Array.from(segmenter.segment(text), (segment) => segment.segment);
}

const byteLength = (text: string) => encoder.encode(text).length;

/**
 * `text` in parts of at most `maxBytes` UTF-8 bytes each, joined again they are `text`. A cut
 * falls after the last space of a part when that space is in its second half. A single
 * character longer than `maxBytes` (a grapheme of many code points) is cut between code points.
 */
export function splitMessage(text: string, maxBytes: number): string[] {
  if (maxBytes < 4) throw new RangeError(`maxBytes must be at least 4 (one UTF-8 character), got ${maxBytes}`);
  if (byteLength(text) <= maxBytes) return [text];
  const parts: string[] = [];
  let part = '';
  let partBytes = 0;
  // Where the part could end at a space: the text up to and including it, and its size.
  let spaceCut: { at: number; bytes: number } | undefined;
  const units = characters(text).flatMap((char) => (byteLength(char) > maxBytes ? Array.from(char) : [char]));
  for (const char of units) {
    const bytes = byteLength(char);
    // A cut at a space may leave too little room still; the rest of the part then goes too.
    while (partBytes > 0 && partBytes + bytes > maxBytes) {
      if (spaceCut && spaceCut.bytes * 2 >= maxBytes) {
        parts.push(part.slice(0, spaceCut.at));
        part = part.slice(spaceCut.at);
        partBytes -= spaceCut.bytes;
      } else {
        parts.push(part);
        part = '';
        partBytes = 0;
      }
      spaceCut = undefined;
    }
    part += char;
    partBytes += bytes;
    if (char === ' ') spaceCut = { at: part.length, bytes: partBytes };
  }
  if (part !== '') parts.push(part);
  return parts;
}
