// The assistant's client, shared by the chat page (/) and the senior page (/senior): the HTTP API, reply
// audio, the streaming microphone (/ws/voice), page labels per language, and the shared widgets.
// Plain ES module, no build step, nothing from outside this origin.

const SENDER_PATTERN = /^[A-Za-z0-9_.:@-]{1,64}$/;
const DEFAULT_LANGUAGE = "zh";
const AUDIO_TYPES = { mp3: "audio/mpeg", wav: "audio/wav" };

// A random conversation id per browser tab: a reload, or a switch between / and /senior, continues the
// conversation; a new tab starts one.
export function senderId() {
  const key = "aoa-sender";
  let id = sessionStorage.getItem(key);
  if (!id || !SENDER_PATTERN.test(id)) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    id = `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    sessionStorage.setItem(key, id);
  }
  return id;
}

async function postJson(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return response;
}

function messageId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `m-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000];

// One message, sent with its own id: when no answer comes (the network, or a server replica that died), it
// is sent again with the same id, after a pause, and the assistant answers it once however often it arrives.
// A refusal (4xx but 429) is not retried: it would be refused again.
export async function chat(sender, text, channel) {
  const body = { sender_id: sender, text, channel, message_id: messageId() };
  for (let attempt = 0; ; attempt += 1) {
    let response = null;
    try {
      response = await postJson("/api/chat", body);
    } catch {
      // no answer at all: try again below
    }
    if (response && response.ok) return response.json();
    const retryable = !response || response.status >= 500 || response.status === 429;
    if (!retryable || attempt >= RETRY_DELAYS_MS.length) {
      throw new Error(`chat failed: ${response ? response.status : "no answer"}`);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
  }
}

// The reply as audio (a Blob), or null when the language has no voice (204) or synthesis failed.
export async function speak(text, language, slow) {
  const response = await postJson("/api/voice/speak", { text, language, slow });
  if (response.status !== 200) return null;
  return response.blob();
}

// --- page labels -----------------------------------------------------------------------------------------

const labelCache = new Map();

export async function loadLabels(language) {
  const code = language || DEFAULT_LANGUAGE;
  if (!labelCache.has(code)) {
    const response = await fetch(`/web/i18n/${encodeURIComponent(code)}.json`);
    // a language without a label file keeps the Mandarin labels; the replies still come in its language
    labelCache.set(code, response.ok ? await response.json() : await loadLabels(DEFAULT_LANGUAGE));
  }
  return labelCache.get(code);
}

// What the screen keeps of a number the user gave (ID, phone, card, code): its first 3 and last 4 digits at
// most, as the assistant's read-backs do, so a phone on the table or a shoulder does not show it whole.
export function maskNumbers(text) {
  return (text || "").replace(/\d{6,}[Xx]?/g, (run) =>
    run.length > 8 ? run.slice(0, 3) + "*".repeat(run.length - 7) + run.slice(-4) : "*".repeat(run.length),
  );
}

export function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

// Elements carry data-i18n="key" (their text) and data-i18n-attr="attr:key;attr:key".
export function applyLabels(labels, root = document) {
  document.documentElement.lang = labels.lang;
  document.documentElement.dir = labels.dir;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = labels[el.dataset.i18n] ?? "";
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      el.setAttribute(attr, labels[key] ?? "");
    }
  }
}

// --- widgets both pages use ------------------------------------------------------------------------------

// The five stages: done / current / to come, from the answer's state (stage 1-5, step "done" at the end).
export function renderProgress(list, summary, state, labels) {
  const finished = state && state.step === "done";
  const current = state ? state.stage : 0;
  list.dataset.stage = String(current);
  list.replaceChildren(
    ...labels.stages.map((name, i) => {
      const stage = i + 1;
      const item = document.createElement("li");
      item.dataset.stage = String(stage);
      item.className = finished || stage < current ? "done" : stage === current ? "current" : "todo";
      if (stage === current && !finished) item.setAttribute("aria-current", "step");
      const number = document.createElement("span");
      number.className = "stage-number";
      number.textContent = String(stage);
      number.setAttribute("aria-hidden", "true");
      const label = document.createElement("span");
      label.className = "stage-name";
      label.textContent = name;
      item.append(number, label);
      return item;
    }),
  );
  if (summary) {
    summary.textContent = finished
      ? labels.done_text
      : current
        ? format(labels.progress_text, { stage: current, name: labels.stages[current - 1] })
        : "";
  }
}

// Buttons for a reply's choices; `numbered` puts a big 1, 2, 3 … in front (the senior page).
export function renderButtons(container, buttons, onChoose, { numbered = false } = {}) {
  container.replaceChildren(
    ...buttons.map((button, i) => {
      const el = document.createElement("button");
      el.type = "button";
      el.className = "choice";
      el.dataset.payload = button.payload;
      if (button.payload === "/affirm") el.classList.add("yes");
      if (button.payload === "/deny") el.classList.add("no");
      if (numbered) {
        const number = document.createElement("span");
        number.className = "choice-number";
        number.textContent = String(i + 1);
        number.setAttribute("aria-hidden", "true");
        el.append(number);
      }
      const title = document.createElement("span");
      title.textContent = button.title;
      el.append(title);
      el.addEventListener("click", () => onChoose(button));
      return el;
    }),
  );
}

// --- reply audio -----------------------------------------------------------------------------------------

// Plays clips one after another on one <audio> element. window.__audioPlays / __audioEnded count what was
// really played (the browser tests read them).
export class AudioQueue {
  constructor(element) {
    this.el = element;
    this.queue = [];
    this.playing = false;
    this.generation = 0; // bumped by stop(): clips still being fetched for an old turn are dropped
    this.onidle = null;
    window.__audioPlays = window.__audioPlays || 0;
    window.__audioEnded = window.__audioEnded || 0;
    element.addEventListener("playing", () => (window.__audioPlays += 1));
    element.addEventListener("ended", () => {
      window.__audioEnded += 1;
      this.next();
    });
    element.addEventListener("error", () => this.next());
  }

  push(blob, generation = this.generation) {
    if (generation !== this.generation || !blob) return;
    this.queue.push(URL.createObjectURL(blob));
    if (!this.playing) this.next();
  }

  next() {
    if (this.el.src.startsWith("blob:")) URL.revokeObjectURL(this.el.src);
    const url = this.queue.shift();
    if (!url) {
      this.playing = false;
      this.el.removeAttribute("src");
      if (this.onidle) this.onidle();
      return;
    }
    this.playing = true;
    this.el.src = url;
    this.el.play().catch(() => this.next()); // blocked or broken: go on with the next clip
  }

  stop() {
    this.generation += 1;
    for (const url of this.queue) URL.revokeObjectURL(url);
    this.queue = [];
    this.el.pause();
    this.next();
  }

  // Speak the texts in order: each is fetched while the one before plays.
  async speakAll(texts, language, slow) {
    const generation = this.generation;
    for (const text of texts) {
      if (generation !== this.generation) return;
      this.push(await speak(text, language, slow), generation);
    }
  }
}

// A long reply (the personal-information notice) is asked for line by line, so the first line plays
// while the rest is synthesised.
export function speakableLines(messages) {
  return messages.flatMap((m) => (m.text || "").split("\n")).filter((line) => /[\p{L}\p{N}]/u.test(line));
}

export function audioBlob(base64, format) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: AUDIO_TYPES[format] || "application/octet-stream" });
}

// --- the microphone: /ws/voice ---------------------------------------------------------------------------

// One spoken turn: capture until the server hears the end of speech (or stop() is called), then receive
// the transcript, the replies and their audio, and close once the audio has been played.
export class VoiceTurn {
  constructor({ sender, channel, player, on }) {
    Object.assign(this, { sender, channel, player, on });
    this.capturing = false;
    this.turnEnded = false;
  }

  async start() {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
    });
    this.stream = stream;
    let context;
    try {
      // what the recogniser wants; the server resamples any other rate
      context = new AudioContext({ sampleRate: 16000 });
    } catch {
      context = new AudioContext();
    }
    this.context = context;
    await context.audioWorklet.addModule("/web/js/mic-worklet.js");
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, "pcm-capture", { numberOfOutputs: 0 });
    Object.assign(this, { source, node });

    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.ws = new WebSocket(`${scheme}//${location.host}/ws/voice`);
    this.ws.binaryType = "arraybuffer";
    this.ws.onmessage = (event) => this.handle(JSON.parse(event.data));
    this.ws.onclose = () => {
      this.stopCapture();
      this.on.closed?.();
    };
    await new Promise((resolve, reject) => {
      this.ws.onopen = resolve;
      this.ws.onerror = reject;
    });
    const rate = context.sampleRate;
    this.send({ type: "start", sender_id: this.sender, channel: this.channel, sample_rate: rate });
    node.port.onmessage = (event) => {
      if (this.capturing && this.ws.readyState === WebSocket.OPEN) this.ws.send(event.data);
    };
    source.connect(node);
    this.capturing = true;
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  // The user pressed the button again: the utterance ends now.
  finish() {
    if (this.capturing) this.send({ type: "end_of_speech" });
    this.stopCapture();
  }

  stopCapture() {
    if (!this.stream) return;
    this.capturing = false;
    if (this.source) this.source.disconnect();
    for (const track of this.stream.getTracks()) track.stop();
    if (this.context) this.context.close();
    this.stream = null;
    this.on.captureEnded?.();
  }

  close() {
    this.stopCapture();
    this.send({ type: "stop" });
  }

  handle(event) {
    switch (event.type) {
      case "speech_ended":
        this.stopCapture();
        break;
      case "audio":
        this.player.push(audioBlob(event.audio, event.audio_format));
        break;
      case "stop_playback":
        this.player.stop();
        break;
      case "turn_end":
        this.turnEnded = true;
        this.player.onidle = () => {
          this.player.onidle = null;
          this.send({ type: "playback_done" });
          this.close();
        };
        if (!this.player.playing) this.player.onidle();
        break;
      default:
        break;
    }
    this.on[event.type]?.(event);
  }
}

// --- one conversation, as both pages run it --------------------------------------------------------------

export async function conversationState(sender) {
  const response = await fetch(`/api/chat/${encodeURIComponent(sender)}/state`);
  return response.ok ? response.json() : null;
}

// The page supplies a view: relabel(labels), userSaid(text), beginTurn(), reply(message), settle(answer),
// partial(text | null), listening(bool), error(text). Replies are read aloud when `readAloud` is on.
export class Assistant {
  constructor({ channel, view, audio, readAloud = false, slow = false }) {
    this.sender = senderId();
    Object.assign(this, { channel, view, readAloud, slow });
    this.player = new AudioQueue(audio);
    this.language = DEFAULT_LANGUAGE;
    this.state = null;
    this.voice = null;
  }

  async init() {
    await this.relabel(DEFAULT_LANGUAGE);
    const known = await conversationState(this.sender);
    if (known) await this.settle(known); // a reload continues the conversation
    return known;
  }

  async relabel(language) {
    this.language = language;
    this.labels = await loadLabels(language);
    applyLabels(this.labels);
    this.view.relabel(this.labels);
  }

  async send(text, shown = text) {
    if (!text.trim()) return;
    this.player.stop();
    this.closeVoice();
    this.view.userSaid(maskNumbers(shown));
    this.view.beginTurn();
    let answer;
    try {
      answer = await chat(this.sender, text, this.channel);
    } catch {
      this.view.error(this.labels.error);
      return;
    }
    for (const message of answer.messages) this.view.reply(message);
    await this.settle(answer);
    if (this.readAloud) {
      const slow = this.slow || answer.senior_mode;
      await this.player.speakAll(speakableLines(answer.messages), answer.language, slow);
    }
  }

  // A reply's button: the payload goes to the assistant, its title is what the user "said".
  choose(button) {
    return this.send(button.payload, button.title);
  }

  async settle(answer) {
    if (answer.language && answer.language !== this.language) await this.relabel(answer.language);
    this.state = answer.state;
    this.view.settle(answer);
    document.body.dataset.turns = String(Number(document.body.dataset.turns || 0) + 1); // for the tests
  }

  closeVoice() {
    if (this.voice) this.voice.close();
    this.voice = null;
  }

  // The microphone button: the first press starts a spoken turn, the second ends the utterance.
  async toggleVoice() {
    if (this.voice && this.voice.capturing) {
      this.voice.finish();
      return;
    }
    this.player.stop();
    this.closeVoice();
    const voice = new VoiceTurn({
      sender: this.sender,
      channel: this.channel,
      player: this.player,
      on: {
        partial: (event) => this.view.partial(event.text),
        transcript: (event) => {
          this.view.partial(null);
          this.view.userSaid(maskNumbers(event.text) || this.labels.not_heard);
          this.view.beginTurn();
        },
        reply: (event) => this.view.reply(event),
        turn_end: (event) => this.settle(event),
        captureEnded: () => this.view.listening(false),
        error: () => this.view.error(this.labels.error),
      },
    });
    this.voice = voice;
    try {
      await voice.start();
      this.view.listening(true);
      this.view.partial(this.labels.listening);
    } catch {
      voice.close();
      this.voice = null;
      this.view.listening(false);
      this.view.error(this.labels.mic_error);
    }
  }
}

// The answer box both pages share: typing, the microphone button and the partial-transcript line. It adds
// partial(), listening() and micLabel() to the assistant's view.
export function attachComposer(assistant, { form, input, mic, partial }) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    input.value = "";
    assistant.send(value);
  });
  mic.addEventListener("click", () => assistant.toggleVoice());
  const view = assistant.view;
  Object.assign(view, {
    partial(content) {
      partial.hidden = !content;
      partial.textContent = content || "";
    },
    listening(on) {
      mic.setAttribute("aria-pressed", String(on));
      view.micLabel();
      if (!on && partial.textContent === assistant.labels.listening) view.partial(null);
    },
    micLabel() {
      const labels = assistant.labels;
      mic.textContent = mic.getAttribute("aria-pressed") === "true" ? labels.mic_stop : labels.mic_start;
    },
  });
}
