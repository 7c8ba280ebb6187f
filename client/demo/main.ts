/// <reference lib="dom" />
// The /demo chat page: log in as a dev user, pick a group, send to everyone or to chosen members (a targeted
// message), watch messages arrive. Everything goes through the client package; src/demo.ts bundles this file.
import { createIMClient, isOk, type IMClient, type V2TimMessage } from '../src';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let im: IMClient | null = null;
let me = '';
let current: string | null = null;
const byGroup = new Map<string, Map<string, V2TimMessage>>();

async function userSigFor(userID: string): Promise<string> {
  const res = await fetch(`/demo/usersig?userID=${encodeURIComponent(userID)}`);
  const body = (await res.json()) as { userSig?: string; error?: string };
  if (!body.userSig) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body.userSig;
}

function remember(message: V2TimMessage) {
  if (!message.groupID || !message.msgID) return;
  const list = byGroup.get(message.groupID) ?? new Map<string, V2TimMessage>();
  byGroup.set(message.groupID, list);
  list.set(message.msgID, message);
  if (message.groupID === current) render();
}

/** One element as the page shows it: text as it is, the rest as a short label (every element, in order). */
function shownElem(e: V2TimMessage['elemList'][number]): string {
  if (e.textElem) return e.textElem.text;
  if (e.faceElem) return `[face ${e.faceElem.index}]`;
  if (e.locationElem) return `[at ${e.locationElem.desc}]`;
  if (e.customElem) return '(custom message)';
  return `(${e.elemType.replace('V2TIM_ELEM_TYPE_', '').toLowerCase()})`;
}

function render() {
  const ul = $<HTMLUListElement>('messages');
  ul.replaceChildren(
    ...[...(byGroup.get(current ?? '')?.values() ?? [])]
      .sort((a, b) => Number(a.seq ?? 0) - Number(b.seq ?? 0))
      .map((m) => {
        const li = document.createElement('li');
        li.dataset.msgid = m.msgID ?? '';
        if (m.isSelf) li.classList.add('self');
        const meta = document.createElement('div');
        meta.className = 'meta';
        meta.textContent = `${m.sender} · ${new Date(m.timestamp * 1000).toLocaleTimeString()}`;
        if (m.targetGroupMemberList) {
          const to = document.createElement('span');
          to.className = 'targeted';
          to.textContent = ` · only for ${m.targetGroupMemberList.join(', ')}`;
          meta.append(to);
        }
        const text = document.createElement('div');
        text.className = 'text';
        text.textContent =
          m.status === 'V2TIM_MSG_STATUS_LOCAL_REVOKED' ? '(revoked)' : m.elemList.map(shownElem).join(' ');
        li.append(meta, text);
        return li;
      }),
  );
  ul.scrollTop = ul.scrollHeight;
}

async function openGroup(groupID: string) {
  if (!im) return;
  current = groupID;
  $('title').textContent = groupID;
  for (const b of $('groups').querySelectorAll('button'))
    b.setAttribute('aria-pressed', String(b.dataset.group === groupID));
  const [members, history] = await Promise.all([
    im.getGroupMemberList({ groupID, count: 100 }),
    im.getGroupHistoryMessageList({ groupID, count: 50 }),
  ]);
  const boxes = isOk(members)
    ? members.data.memberInfoList
        .filter((m) => m.userID !== me)
        .map((m) => {
          const label = document.createElement('label');
          const box = document.createElement('input');
          box.type = 'checkbox';
          box.name = 'receiver';
          box.value = m.userID;
          label.append(box, ` ${m.userID}`);
          return label;
        })
    : [];
  const hint = document.createElement('div');
  hint.className = 'meta';
  hint.textContent = 'none ticked: everyone in the group';
  $('members').replaceChildren(...boxes, hint);
  if (isOk(history)) history.data.forEach(remember);
  render();
  $('compose').hidden = false;
}

async function send(text: string) {
  if (!im || !current) return;
  const receivers = [...document.querySelectorAll<HTMLInputElement>('input[name=receiver]:checked')].map(
    (b) => b.value,
  );
  const created = await im.createTextMessage({ text });
  if (!isOk(created)) return alert(`${created.code}: ${created.desc}`);
  let id = created.data.id;
  if (receivers.length > 0) {
    const targeted = await im.createTargetedGroupMessage({ id, receiverList: receivers });
    if (!isOk(targeted)) return alert(`${targeted.code}: ${targeted.desc}`);
    id = targeted.data.id; // the answer's id, whether or not it is the same
  }
  const sent = await im.sendMessage({ id, groupID: current });
  if (!isOk(sent)) return alert(`${sent.code}: ${sent.desc}`);
  remember(sent.data);
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  me = $<HTMLInputElement>('userID').value.trim();
  void (async () => {
    await userSigFor(me); // a bad userID fails here, with the gateway's reason
    im = createIMClient({
      url: new URL('/graphql', location.href).href,
      userSig: () => userSigFor(me),
      onStatus: (s) => {
        $('status').textContent = s === 'connected' ? `connected as ${me}` : 'reconnecting…';
      },
    });
    im.addAdvancedMsgListener({ onRecvNewMessage: remember });
    const groups = await im.getJoinedGroupList();
    $('login').hidden = true;
    $('session').hidden = false;
    $('groups').replaceChildren(
      ...(isOk(groups) ? groups.data : []).map((g) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.dataset.group = g.groupID;
        b.textContent = `${g.groupName} (${g.memberCount})`;
        b.addEventListener('click', () => void openGroup(g.groupID));
        return b;
      }),
    );
    if (isOk(groups) && groups.data[0]) await openGroup(groups.data[0].groupID);
  })().catch((err: unknown) => {
    $('status').textContent = String(err);
  });
});

$('compose').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>('text');
  const text = input.value;
  input.value = '';
  void send(text).catch((err: unknown) => {
    $('status').textContent = String(err);
  });
});
