// The senior page (/senior): one question at a time in very large text, every reply read aloud slowly,
// big yes/no and numbered-choice buttons, "repeat" and "talk to a person" always there, no timers.
import { Assistant, attachComposer, renderButtons, renderProgress } from "./client.js";

const $ = (id) => document.getElementById(id);
const question = $("question");
const choices = $("choices");
const REPEAT = "/ask_repeat"; // intent payloads: understood in every language, whatever was detected
const PERSON = "/request_human";

let turnButtons = []; // the buttons of the question on screen
let buttonsStep = null; // the step they answer: a detour's reply keeps them while the step stays
let lastButtons = [];

const choose = (button) => assistant.choose(button);

function yesNo(labels) {
  return [
    { title: labels.yes, payload: "/affirm" },
    { title: labels.no, payload: "/deny" },
  ];
}

const view = {
  relabel() {
    view.micLabel();
    if (assistant.state) view.settle({ state: assistant.state });
  },
  userSaid(content) {
    $("you-said-text").textContent = content;
    $("you-said").hidden = false;
  },
  beginTurn() {
    question.replaceChildren(); // only the newest question stays on screen
    choices.replaceChildren();
    turnButtons = [];
  },
  reply(message) {
    if (!message.text) return;
    const p = document.createElement("p");
    p.className = "bot-text";
    p.textContent = message.text;
    question.append(p);
    if (message.buttons && message.buttons.length) turnButtons = message.buttons;
  },
  settle(answer) {
    const state = answer.state;
    renderProgress($("progress"), $("progress-text"), state, assistant.labels);
    let buttons = [];
    if (turnButtons.length) {
      buttons = turnButtons;
      buttonsStep = state.step;
    } else if (state.expects === "confirm") {
      buttons = yesNo(assistant.labels);
    }
    if (!buttons.length && state.expects === "choice" && buttonsStep === state.step) buttons = lastButtons;
    if (buttons.length) lastButtons = buttons;
    renderButtons(choices, buttons, choose, { numbered: state.expects === "choice" });
    choices.hidden = !buttons.length;
    $("progress").scrollIntoView({ block: "start" }); // a new question is read from its top
  },
  error(content) {
    const p = document.createElement("p");
    p.className = "bot-text error";
    p.textContent = content;
    question.append(p);
  },
};

const assistant = new Assistant({
  channel: "senior",
  view,
  audio: $("reply-audio"),
  readAloud: true,
  slow: true,
});

attachComposer(assistant, { form: $("form"), input: $("text"), mic: $("mic"), partial: $("partial") });
$("repeat").addEventListener("click", () => assistant.send(REPEAT, assistant.labels.repeat));
$("person").addEventListener("click", () => assistant.send(PERSON, assistant.labels.person));

let known = null;
// The first press of "start" is also the user gesture that lets the browser play the replies aloud.
$("start").addEventListener("click", () => {
  $("intro").hidden = true;
  $("talk").hidden = false;
  const labels = assistant.labels;
  if (known) assistant.send(REPEAT, labels.repeat); // a reload: hear the current question again
  else assistant.send(labels.start_text);
});

assistant.init().then((state) => {
  known = state;
  document.body.dataset.ready = "true";
});
