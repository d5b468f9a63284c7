// The browser side of Platform Storage (checklist 46), run in Node against fake windows that
// deliver postMessage as browsers do: a message reaches a window only if the target origin is its
// origin (or "*"), and the receiver sees the sender's real origin and window. Pathwise's client
// (public/js/lti-postmessage.js) talks to the LMS simulator's storage frame
// (public/js/dev-lms-platform-storage.js) and to hostile windows.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { PROJECT_ROOT } from '../../../src/app.js';

type Listener = (event: { data: unknown; origin: string; source: WindowHandle }) => void;

interface WindowHandle {
  postMessage(data: unknown, targetOrigin: string): void;
  readonly frames: Record<string, WindowHandle | undefined>;
}

/** One browsing context with an origin; `as(viewer)` is what another window's script holds. */
class FakeWindow {
  readonly listeners = new Set<Listener>();
  readonly children = new Map<string, FakeWindow>();
  /** Every (data, targetOrigin) this window was sent, delivered or not. */
  readonly received: { data: unknown; targetOrigin: string; delivered: boolean }[] = [];
  parentWindow: FakeWindow | undefined;
  openerWindow: FakeWindow | undefined;
  readonly storage = new Map<string, string>();

  constructor(readonly origin: string) {}

  as(sender: FakeWindow): WindowHandle {
    const target: Record<string, WindowHandle | undefined> = {};
    const frames = new Proxy(target, {
      get: (_target, name) =>
        typeof name === 'string' ? this.children.get(name)?.as(sender) : undefined,
    });
    return {
      postMessage: (data, targetOrigin) => {
        const delivered = targetOrigin === '*' || targetOrigin === this.origin;
        this.received.push({ data, targetOrigin, delivered });
        if (!delivered) return;
        const copy = structuredClone(data);
        setTimeout(() => {
          for (const listener of this.listeners)
            listener({ data: copy, origin: sender.origin, source: sender.as(this) });
        }, 1);
      },
      frames,
    };
  }

  /** The `window` global a script of this window sees. */
  global(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const self: Record<string, unknown> = {
      addEventListener: (type: string, listener: Listener) => {
        if (type === 'message') this.listeners.add(listener);
      },
      removeEventListener: (type: string, listener: Listener) => {
        if (type === 'message') this.listeners.delete(listener);
      },
      setTimeout,
      clearTimeout,
      crypto: globalThis.crypto,
      localStorage: {
        getItem: (key: string) => this.storage.get(key) ?? null,
        setItem: (key: string, value: string) => this.storage.set(key, value),
        removeItem: (key: string) => this.storage.delete(key),
      },
      ...extra,
    };
    self['parent'] = this.parentWindow?.as(this) ?? self;
    self['opener'] = this.openerWindow?.as(this) ?? null;
    return self;
  }

  frame(name: string, child: FakeWindow): FakeWindow {
    this.children.set(name, child);
    child.parentWindow = this;
    return child;
  }
}

const script = (file: string): string => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

interface Client {
  targetFrame(win: unknown, name: unknown): WindowHandle | null;
  request(
    win: unknown,
    frame: WindowHandle,
    origin: string,
    message: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<{ ok: boolean; reason?: string; data?: Record<string, unknown>; error?: unknown }>;
  frameFor(
    win: unknown,
    capabilities: unknown,
    subject: string,
    fallback: WindowHandle,
  ): WindowHandle | null;
}

/** Loads Pathwise's client script into a window; returns the library and that window's global. */
function loadClient(win: FakeWindow): { lib: Client; global: Record<string, unknown> } {
  const global = win.global();
  runInNewContext(script('public/js/lti-postmessage.js'), {
    window: global,
    Promise,
    JSON,
    Uint8Array,
  });
  return { lib: global['PathwiseLtiMessages'] as Client, global };
}

/** Starts the simulator's storage frame script in a window, answering the given tool origins. */
function startStorageFrame(win: FakeWindow, toolOrigins: readonly string[]): void {
  const attributes: Record<string, string> = {
    'data-frame-name': 'post_message_forwarding',
    'data-tool-origins': JSON.stringify(toolOrigins),
  };
  runInNewContext(script('public/js/dev-lms-platform-storage.js'), {
    window: win.global(),
    JSON,
    document: {
      getElementById: (id: string) =>
        id === 'platform-storage' ? { getAttribute: (name: string) => attributes[name] } : null,
    },
  });
}

const LMS = 'https://lms.example';
const TOOL = 'https://pathwise.example';
const EVIL = 'https://evil.example';

/** The LMS page with the tool's frame and the storage frame side by side. */
function lmsWithTool() {
  const lms = new FakeWindow(LMS);
  const tool = lms.frame('tool-frame', new FakeWindow(TOOL));
  const storage = lms.frame('post_message_forwarding', new FakeWindow(LMS));
  startStorageFrame(storage, [TOOL]);
  const { lib, global } = loadClient(tool);
  return { lms, tool, storage, lib, global };
}

describe('Platform Storage scripts (fake windows, browser postMessage rules)', function () {
  it('put_data then get_data through the storage frame returns the stored value', async function () {
    const { lib, global, storage } = lmsWithTool();
    const frame = lib.targetFrame(global, 'post_message_forwarding')!;
    const put = await lib.request(
      global,
      frame,
      LMS,
      { subject: 'lti.put_data', key: 'state-abc', value: 'abc' },
      200,
    );
    expect(put.ok).to.equal(true);
    expect(put.data).to.include({ subject: 'lti.put_data.response', key: 'state-abc' });
    const get = await lib.request(
      global,
      frame,
      LMS,
      { subject: 'lti.get_data', key: 'state-abc' },
      200,
    );
    expect(get.data).to.include({ subject: 'lti.get_data.response', value: 'abc' });
    expect(storage.storage.get(`lti|platform_storage|${TOOL}|state-abc`)).to.equal('abc');
    // Every request went to the platform's origin, none to "*".
    expect(storage.received.map((r) => r.targetOrigin)).to.deep.equal([LMS, LMS]);
  });

  it('lti.capabilities names the frame for put_data/get_data; frameFor follows it', async function () {
    const { lib, global } = lmsWithTool();
    const frame = lib.targetFrame(global, 'post_message_forwarding')!;
    const reply = await lib.request(global, frame, LMS, { subject: 'lti.capabilities' }, 200);
    expect(reply.ok).to.equal(true);
    expect(reply.data?.['supported_messages']).to.deep.include({
      subject: 'lti.put_data',
      frame: 'post_message_forwarding',
    });
    expect(lib.frameFor(global, reply.data, 'lti.put_data', frame)).to.not.equal(null);
    expect(lib.frameFor(global, { supported_messages: [] }, 'lti.put_data', frame)).to.equal(null);
    expect(
      lib.frameFor(
        global,
        { supported_messages: [{ subject: 'lti.put_data' }] },
        'lti.put_data',
        frame,
      ),
    ).to.equal(frame);
  });

  it('a request addressed to the platform origin never reaches a window of another origin', async function () {
    const lms = new FakeWindow(LMS);
    const tool = lms.frame('tool-frame', new FakeWindow(TOOL));
    // A hostile page put a frame with the expected name next to the tool.
    const rogue = lms.frame('post_message_forwarding', new FakeWindow(EVIL));
    const { lib, global } = loadClient(tool);
    const reply = await lib.request(
      global,
      lib.targetFrame(global, 'post_message_forwarding')!,
      LMS,
      { subject: 'lti.put_data', key: 'state-s', value: 's' },
      30,
    );
    expect(reply).to.deep.equal({ ok: false, reason: 'timeout' });
    expect(rogue.received).to.have.length(1);
    expect(rogue.received[0]).to.include({ targetOrigin: LMS, delivered: false });
  });

  it('replies from another origin, with another message_id or another subject are ignored', async function () {
    const lms = new FakeWindow(LMS);
    const tool = lms.frame('tool-frame', new FakeWindow(TOOL));
    const storage = lms.frame('post_message_forwarding', new FakeWindow(LMS));
    const evil = lms.frame('ad', new FakeWindow(EVIL));
    const { lib, global } = loadClient(tool);
    // The storage frame answers wrongly; a window of another origin answers correctly.
    storage.listeners.add((event) => {
      const request = event.data as { message_id: string };
      const toolWindow = event.source;
      toolWindow.postMessage(
        { subject: 'lti.get_data.response', message_id: 'other', value: 'x' },
        TOOL,
      );
      toolWindow.postMessage(
        { subject: 'lti.put_data.response', message_id: request.message_id, value: 'x' },
        TOOL,
      );
      tool
        .as(evil)
        .postMessage(
          { subject: 'lti.get_data.response', message_id: request.message_id, value: 'x' },
          TOOL,
        );
    });
    const reply = await lib.request(
      global,
      lib.targetFrame(global, 'post_message_forwarding')!,
      LMS,
      { subject: 'lti.get_data', key: 'state-s' },
      60,
    );
    expect(reply).to.deep.equal({ ok: false, reason: 'timeout' });
  });

  it('an error reply fails the request; the storage frame reports unsupported subjects and missing keys', async function () {
    const { lib, global } = lmsWithTool();
    const frame = lib.targetFrame(global, 'post_message_forwarding')!;
    const unknown = await lib.request(global, frame, LMS, { subject: 'lti.made_up' }, 200);
    expect(unknown).to.include({ ok: false, reason: 'error' });
    expect(unknown.error).to.include({ code: 'unsupported_subject' });
    const noKey = await lib.request(
      global,
      frame,
      LMS,
      { subject: 'lti.put_data', value: 'v' },
      200,
    );
    expect(noKey.error).to.include({ code: 'bad_request' });
  });

  it('the storage frame answers registered tool origins only', async function () {
    const lms = new FakeWindow(LMS);
    const other = lms.frame('tool-frame', new FakeWindow(EVIL));
    const storage = lms.frame('post_message_forwarding', new FakeWindow(LMS));
    startStorageFrame(storage, [TOOL]);
    storage.storage.set(`lti|platform_storage|${TOOL}|state-s`, 's');
    const { lib, global } = loadClient(other);
    const reply = await lib.request(
      global,
      lib.targetFrame(global, 'post_message_forwarding')!,
      LMS,
      { subject: 'lti.get_data', key: 'state-s' },
      40,
    );
    expect(reply).to.deep.equal({ ok: false, reason: 'timeout' });
  });

  it('values are kept per tool origin and cleared by put_data without a value', async function () {
    const { lib, global, storage } = lmsWithTool();
    storage.storage.set(`lti|platform_storage|${EVIL}|state-s`, 'not yours');
    const frame = lib.targetFrame(global, 'post_message_forwarding')!;
    const get = await lib.request(
      global,
      frame,
      LMS,
      { subject: 'lti.get_data', key: 'state-s' },
      200,
    );
    expect(get.ok).to.equal(true);
    expect(get.data).to.not.have.property('value');
    await lib.request(global, frame, LMS, { subject: 'lti.put_data', key: 'k', value: 'v' }, 200);
    await lib.request(global, frame, LMS, { subject: 'lti.put_data', key: 'k' }, 200);
    expect(storage.storage.has(`lti|platform_storage|${TOOL}|k`)).to.equal(false);
  });

  it('targetFrame: _parent, named sibling frames, the opener for a new window, never window properties', function () {
    const lms = new FakeWindow(LMS);
    const tool = lms.frame('tool-frame', new FakeWindow(TOOL));
    lms.frame('post_message_forwarding', new FakeWindow(LMS));
    const { lib, global } = loadClient(tool);
    expect(lib.targetFrame(global, '_parent')).to.not.equal(null);
    expect(lib.targetFrame(global, 'post_message_forwarding')).to.not.equal(null);
    expect(lib.targetFrame(global, 'missing')).to.equal(null);
    for (const name of ['opener', 'top', 'parent', '_top', '__proto__', '', 'a b', 42])
      expect(lib.targetFrame(global, name), String(name)).to.equal(null);

    const popup = new FakeWindow(TOOL);
    popup.openerWindow = lms;
    const opened = loadClient(popup);
    expect(opened.lib.targetFrame(opened.global, 'post_message_forwarding')).to.not.equal(null);

    const alone = loadClient(new FakeWindow(TOOL));
    expect(alone.lib.targetFrame(alone.global, '_parent')).to.equal(null);
  });
});
