// The in-app chat page (/): the conversation as bubbles, the five-stage progress bar, reply buttons,
// typing, the microphone, and reply audio when sound is on (always after a spoken turn).
import { Assistant, attachComposer, renderButtons, renderProgress } from "./client.js";

const $ = (id) => document.getElementById(id);
const log = $("log");
const sound = $("sound");

function bubble(kind, content) {
  const el = document.createElement("div");
  el.className = `bubble ${kind}`;
  const body = document.createElement("p");
  body.textContent = content;
  el.append(body);
  log.append(el);
  // a long reply (the notice) is read from its start; the user's own bubble just needs to be seen
  el.scrollIntoView({ block: kind === "bot" ? "start" : "end" });
  return el;
}

const choose = (button) => assistant.choose(button);

const view = {
  relabel(labels) {
    sound.textContent = assistant.readAloud ? labels.sound_on : labels.sound_off;
    view.micLabel();
    if (assistant.state) renderProgress($("progress"), $("progress-text"), assistant.state, labels);
  },
  userSaid(content) {
    bubble("user", content);
  },
  beginTurn() {
    // only the latest question's buttons answer it
    for (const old of log.querySelectorAll("button.choice")) old.disabled = true;
  },
  reply(message) {
    if (!message.text) return;
    const el = bubble("bot", message.text);
    if (message.buttons && message.buttons.length) {
      const row = document.createElement("div");
      row.className = "choices";
      renderButtons(row, message.buttons, choose);
      el.append(row);
    }
  },
  settle(answer) {
    renderProgress($("progress"), $("progress-text"), answer.state, assistant.labels);
  },
  error(content) {
    bubble("error", content);
  },
};

const assistant = new Assistant({ channel: "app", view, audio: $("reply-audio") });
attachComposer(assistant, { form: $("form"), input: $("text"), mic: $("mic"), partial: $("partial") });
sound.addEventListener("click", () => {
  assistant.readAloud = !assistant.readAloud;
  sound.setAttribute("aria-pressed", String(assistant.readAloud));
  if (!assistant.readAloud) assistant.player.stop();
  view.relabel(assistant.labels);
});

assistant.init().then((known) => {
  const labels = assistant.labels;
  const welcome = bubble("bot", labels.welcome);
  const row = document.createElement("div");
  row.className = "choices";
  // a conversation already under way (a reload, or coming from /senior): hear its question again
  const start = known
    ? { title: labels.repeat, payload: "/ask_repeat" }
    : { title: labels.start_account, payload: labels.start_text };
  renderButtons(row, [start], choose);
  welcome.append(row);
  document.body.dataset.ready = "true";
});
