// The netchat page: join with a name, then chat with terminal and browser users alike over the
// chat WebSocket, speaking the chat protocol itself (its one parser, src/protocol/chat/, is
// bundled in). No framework: the DOM, textContent only (dom.ts), and one module per part.
import { clientLine, parseServerLine, type ServerEvent } from '../src/protocol/chat/chat-lines.ts';
import { ChatSocket } from './chat-socket.ts';
import { Conversations, conversationKey } from './conversations.ts';
import { byId, element, hueOf } from './dom.ts';
import { FilesPanel } from './files-panel.ts';
import { InputHistory } from './input-history.ts';
import { UploadTickets } from './upload-tickets.ts';
import { asksServerPassword, Login, LOGIN_ERRORS } from './login.ts';

const joinView = byId('join-view');
const chatView = byId('chat-view');
const joinForm = byId<HTMLFormElement>('join-form');
const joinName = byId<HTMLInputElement>('join-name');
const joinPassword = byId<HTMLInputElement>('join-password');
const serverPasswordRow = byId('server-password-row');
const joinServerPassword = byId<HTMLInputElement>('join-server-password');
const loginHint = byId('login-hint');
const joinError = byId('join-error');
const status = byId('status');
const sendForm = byId<HTMLFormElement>('send-form');
const messageInput = byId<HTMLInputElement>('message-input');
const groupForm = byId<HTMLFormElement>('group-form');
const groupName = byId<HTMLInputElement>('group-name');
const leaveButton = byId<HTMLButtonElement>('leave-group');
const usersList = byId<HTMLUListElement>('users');
const userCount = byId('user-count');

let conversations: Conversations | undefined;
const history = new InputHistory();
const login = new Login();
/** The name we are (or want to be) registered under; kept across reconnects. */
let myName: string | undefined;
let registered = false;
/** Groups to rejoin after a reconnect. */
let myGroups: string[] = [];
const users = new Map<string, string>();
let pendingUsers: string[] = [];

const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
const socket = new ChatSocket(`${scheme}://${location.host}/chat`, {
  open: () => {
    login.connected();
    setStatus('Connected', false);
  },
  line: (text) => handle(parseServerLine(text)),
  closed: (retry, delay) => {
    registered = false;
    tickets.dropped();
    setStatus(retry ? `Disconnected — reconnecting in ${Math.ceil(delay / 1000)} s…` : 'Disconnected', true);
    if (conversations && retry) conversations.notice(conversations.ensure('all'), 'Connection lost; reconnecting…');
  },
});

const tickets = new UploadTickets((line) => registered && socket.send(line));
const files = new FilesPanel(() => tickets.request());

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  myName = joinName.value.trim();
  joinError.textContent = '';
  login.set(joinPassword.value, joinServerPassword.value);
  if (socket.open) sendJoin(myName);
  else socket.connect();
});

/** JOIN, after the login lines the form gave (the server answers them in order). */
function sendJoin(name: string): void {
  for (const line of login.linesBeforeJoin(name)) socket.send(line);
  socket.send(clientLine.join(name));
}

function setStatus(text: string, offline: boolean): void {
  status.textContent = registered && myName ? `${text} as ${myName}` : text;
  status.classList.toggle('offline', offline);
}

function handle(event: ServerEvent): void {
  const view = conversations;
  const everyone = () => view!.ensure('all');
  switch (event.type) {
    case 'greeting':
      if (myName) sendJoin(myName);
      return;
    case 'login-hint':
      if (asksServerPassword(event.text)) serverPasswordRow.hidden = false;
      if (!registered) loginHint.textContent = event.text;
      return;
    case 'logged-in':
      login.loggedInNow();
      return;
    case 'welcome':
      return welcomed(event.name, event.text);
    case 'ping':
      return void socket.send(clientLine.pong(event.token));
    case 'error':
      if (!registered && LOGIN_ERRORS.has(event.code)) return loginRefused(event.code, event.message);
      if (!registered && ['NAME_TAKEN', 'NAME_INVALID'].includes(event.code)) {
        joinError.textContent = event.message;
        if (!view) return;
        view.notice(everyone(), `${event.code}: ${event.message}`, 'error');
        // Back after a drop, our old connection may still hold the name until the server notices.
        if (event.code === 'NAME_TAKEN') setTimeout(() => myName && !registered && socket.send(clientLine.join(myName)), 2000);
        return;
      }
      return view?.notice(view.current, `${event.code}: ${event.message}`, 'error');
    case 'pong':
      return;
    case 'ticket':
      return tickets.received(event.token);
  }
  if (!view) return;
  switch (event.type) {
    case 'broadcast':
      return view.message(everyone(), event.from, event.text);
    case 'private':
      return view.message(view.ensure('private', event.from), event.from, event.text);
    case 'group':
      return view.message(view.ensure('group', event.group), event.from, event.text);
    case 'user-joined':
      addUsers([event.name]);
      return view.notice(everyone(), `${event.name} joined the chat`);
    case 'user-left':
      removeUser(event.name);
      return view.notice(everyone(), `${event.name} left the chat${event.reason ? ` (${event.reason})` : ''}`);
    case 'joined-group': {
      if (!myGroups.some((g) => g.toLowerCase() === event.group.toLowerCase())) myGroups.push(event.group);
      const group = view.ensure('group', event.group);
      view.notice(group, `You joined ${event.group} (${event.members} ${event.members === 1 ? 'member' : 'members'})`);
      return view.show(group.key);
    }
    case 'left-group':
      myGroups = myGroups.filter((g) => g.toLowerCase() !== event.group.toLowerCase());
      view.remove('group', event.group);
      return view.notice(everyone(), `You left ${event.group}`);
    case 'member-joined-group':
      return view.notice(view.ensure('group', event.group), `${event.name} joined ${event.group}`);
    case 'member-left-group':
      return view.notice(view.ensure('group', event.group), `${event.name} left ${event.group}`);
    case 'users':
      pendingUsers.push(...event.names);
      return;
    case 'users-end':
      if (event.continueAfter !== undefined) return void socket.send(`LIST_USERS AFTER ${event.continueAfter}`);
      users.clear();
      addUsers(pendingUsers);
      pendingUsers = [];
      return;
    case 'file-shared':
      void files.refresh();
      return view.notice(everyone(), `${event.by ?? 'A guest'} shared ${event.name} (${event.sizeText})`);
    case 'shutdown':
      return view.notice(everyone(), 'The server is shutting down; the page will reconnect.');
    case 'goodbye':
      return socket.stop();
    default:
      if ('text' in event && typeof event.text === 'string') return view.notice(everyone(), event.text);
  }
}

function loginRefused(code: string, message: string): void {
  if (code === 'PASSWORD_REQUIRED' || code === 'PASSWORD_WRONG') serverPasswordRow.hidden = false;
  const text = login.refused(code, message);
  if (text === undefined) return;
  joinError.textContent = text;
  // Back after a drop with a password that no longer works: say so in the chat too.
  conversations?.notice(conversations.ensure('all'), `${code}: ${message}`, 'error');
  setStatus('Not logged in', true);
}

function welcomed(name: string, text: string): void {
  registered = true;
  myName = name;
  if (!conversations) {
    conversations = new Conversations();
    joinView.hidden = true;
    chatView.hidden = false;
    messageInput.focus();
  }
  setStatus('Connected', false);
  conversations.notice(conversations.ensure('all'), text);
  for (const group of myGroups) socket.send(clientLine.joinGroup(group));
  pendingUsers = [];
  socket.send('LIST_USERS');
  void files.refresh();
}

function addUsers(names: readonly string[]): void {
  for (const name of names) users.set(name.toLowerCase(), name);
  renderUsers();
}

function removeUser(name: string): void {
  users.delete(name.toLowerCase());
  renderUsers();
}

function renderUsers(): void {
  const sorted = [...users.values()].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  usersList.replaceChildren(
    ...sorted.map((name) => {
      const item = element('li');
      const own = name.toLowerCase() === myName?.toLowerCase();
      const button = element('button', 'link from', own ? `${name} (you)` : name);
      button.type = 'button';
      button.style.setProperty('--hue', String(hueOf(name)));
      button.disabled = own;
      button.title = own ? '' : `Private messages with ${name}`;
      button.addEventListener('click', () => conversations?.show(conversations.ensure('private', name).key));
      item.append(button);
      return item;
    }),
  );
  userCount.textContent = `(${sorted.length})`;
}

sendForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = messageInput.value;
  if (!conversations || text.trim() === '') return;
  const conversation = conversations.current;
  const line =
    conversation.kind === 'all'
      ? clientLine.broadcast(text)
      : conversation.kind === 'group'
        ? clientLine.groupMessage(conversation.target, text)
        : clientLine.unicast(conversation.target, text);
  if (!socket.send(line)) return conversations.notice(conversation, 'Not connected: the message was not sent.', 'error');
  // The server sends nobody their own message back: show it here.
  conversations.message(conversation, myName ?? 'you', text, true);
  history.add(text);
  messageInput.value = '';
});

messageInput.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowUp' && messageInput.selectionStart === 0) {
    const older = history.older(messageInput.value);
    if (older !== undefined) {
      event.preventDefault();
      messageInput.value = older;
    }
  } else if (event.key === 'ArrowDown') {
    const newer = history.newer();
    if (newer !== undefined) {
      event.preventDefault();
      messageInput.value = newer;
    }
  }
});

groupForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const group = groupName.value.trim();
  if (!group || !conversations) return;
  const existing = conversations.groups().find((g) => g.toLowerCase() === group.toLowerCase());
  if (existing) conversations.show(conversationKey('group', existing));
  else socket.send(clientLine.joinGroup(group));
  groupName.value = '';
});

leaveButton.addEventListener('click', () => {
  const current = conversations?.current;
  if (current?.kind === 'group') socket.send(clientLine.leaveGroup(current.target));
});
