// The web chat page: sends each question to its own route (POST /chat/messages, Rasa REST format) and shows the replies.
// No dependencies, no innerHTML: every piece of server text goes through textContent or a text node.
// The page's own strings come from the server in every language the clinic serves (data-strings); the language
// switch swaps them in place and its choice is sent with each message as its "language".
// The desk: once a reply says staff were asked (custom.handoff) or told (an emergency), the page long-polls
// GET /chat/updates for staff replies and notices; answers carry helpful / not helpful (POST /chat/feedback).
"use strict";

(function () {
  const root = document.getElementById("chat");
  if (!root) return;

  const config = {
    messages: root.dataset.messages || "chat/messages",
    sender: root.dataset.sender || "",
    token: root.dataset.token || "",
    updates: root.dataset.updates || "chat/updates",
    feedback: root.dataset.feedback || "chat/feedback",
  };
  let strings = {};
  try {
    strings = JSON.parse(root.dataset.strings || "{}") || {};
  } catch (err) {
    strings = {};
  }
  let language = strings[root.dataset.lang] ? root.dataset.lang : (Object.keys(strings)[0] || "en");

  const log = document.getElementById("log");
  const form = document.getElementById("ask");
  const input = document.getElementById("message");
  const sendButton = document.getElementById("send");
  const typing = document.getElementById("typing");
  const switcher = document.getElementById("languages");

  const FALLBACK = {
    error_generic: "Sorry, something went wrong. Please try again, or call the clinic.",
    assistant: "Assistant: ",
    emergency: "Emergency",
    urgent: "Urgent",
    choose: "Choose one",
    helpful: "Helpful",
    not_helpful: "Not helpful",
    feedback: "Was this answer helpful?",
    feedback_thanks: "Thanks for the feedback.",
    notice_prefix: "Notice: ",
  };
  const URL_PATTERN = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])/g;

  // A string of the page in `lang` (default: the page's language), its {name} placeholders filled from `values`.
  function t(key, values, lang) {
    const table = strings[lang] || strings[language] || {};
    let text = typeof table[key] === "string" ? table[key] : (FALLBACK[key] || "");
    for (const [name, value] of Object.entries(values || {})) text = text.split(`{${name}}`).join(String(value));
    return text;
  }

  // --- the language switch ----------------------------------------------------------------------

  function applyLanguage(lang) {
    if (!strings[lang]) return;
    language = lang;
    document.documentElement.lang = lang;
    document.title = t("title");
    for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of root.querySelectorAll("[data-i18n-placeholder]")) {
      node.setAttribute("placeholder", t(node.dataset.i18nPlaceholder));
    }
    for (const node of root.querySelectorAll("[data-i18n-aria-label]")) {
      node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
    }
    if (switcher) {
      for (const button of switcher.querySelectorAll("button[data-lang]")) {
        button.setAttribute("aria-pressed", button.dataset.lang === lang ? "true" : "false");
      }
    }
  }

  if (switcher) {
    for (const button of switcher.querySelectorAll("button[data-lang]")) {
      button.addEventListener("click", () => applyLanguage(button.dataset.lang));
    }
  }

  let busy = false;

  // --- rendering --------------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Text with web links made clickable; everything else stays plain text.
  function appendLinked(parent, text) {
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      if (match.index > last) parent.append(document.createTextNode(text.slice(last, match.index)));
      const link = el("a", "", match[0]);
      link.href = match[0];
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      parent.append(link);
      last = match.index + match[0].length;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  }

  // Paragraphs on blank lines; "- " lines become a list; other line breaks are kept (CSS white-space).
  function appendText(parent, text, className) {
    const blocks = String(text).replace(/\r\n?/g, "\n").trim().split(/\n\s*\n/);
    for (const block of blocks) {
      let lines = [];
      let items = null;
      const flushLines = () => {
        if (!lines.length) return;
        const p = el("p", className);
        appendLinked(p, lines.join("\n"));
        parent.append(p);
        lines = [];
      };
      const flushItems = () => {
        if (!items) return;
        parent.append(items);
        items = null;
      };
      for (const line of block.split("\n")) {
        const bullet = /^\s*[-•*]\s+(.*)$/.exec(line);
        if (bullet) {
          flushLines();
          if (!items) items = el("ul", className);
          const li = el("li");
          appendLinked(li, bullet[1]);
          items.append(li);
        } else {
          flushItems();
          lines.push(line);
        }
      }
      flushLines();
      flushItems();
    }
  }

  function scrollToShow(bubble) {
    // a long answer is shown from its start; a short one simply lands at the bottom
    if (bubble && bubble.offsetHeight > log.clientHeight) {
      log.scrollTop = bubble.offsetTop - 8; // the log is position: relative, so offsetTop is within it
    } else {
      log.scrollTop = log.scrollHeight;
    }
  }

  function addUser(text) {
    const bubble = el("div", "msg user");
    appendText(bubble, text);
    log.append(bubble);
    scrollToShow(bubble);
  }

  function addError(text) {
    const bubble = el("div", "msg error");
    bubble.setAttribute("role", "alert");
    bubble.append(el("p", "", text));
    log.append(bubble);
    scrollToShow(bubble);
  }

  function addBot(message) {
    const custom = message && typeof message.custom === "object" && message.custom ? message.custom : {};
    // the reply's own language (it may differ from the page's: people are answered in the language they write)
    const lang = typeof custom.language === "string" && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(custom.language)
      ? custom.language : language;
    const bubble = el("div", "msg bot");
    bubble.lang = lang;
    bubble.append(el("span", "visually-hidden", t("assistant", null, lang)));
    if (custom.emergency === true) {
      bubble.classList.add("emergency");
      bubble.setAttribute("role", "alert");
      const title = t(custom.urgency === "call_now" ? "emergency" : "urgent", null, lang);
      bubble.append(el("h2", "alert-title", title));
    }
    if (typeof custom.answer === "string" && custom.answer && typeof custom.consult === "string" && custom.consult) {
      appendText(bubble, custom.answer);
      appendText(bubble, custom.consult, "consult");
    } else if (typeof message.text === "string") {
      appendText(bubble, message.text);
    }
    log.append(bubble);

    const buttons = Array.isArray(message.buttons) ? message.buttons.filter(b => b && b.title && b.payload) : [];
    if (buttons.length) {
      const group = el("div", "choices");
      group.setAttribute("role", "group");
      group.lang = lang;
      group.setAttribute("aria-label", t("choose", null, lang));
      for (const choice of buttons) {
        const button = el("button", "", String(choice.title));
        button.type = "button";
        button.addEventListener("click", () => choose(group, button, String(choice.payload), String(choice.title)));
        group.append(button);
      }
      log.append(group);
    }
    const intent = typeof custom.intent === "string" ? custom.intent : "";
    if (intent && !buttons.length && custom.emergency !== true && !custom.urgency && !custom.handoff) {
      bubble.append(feedbackRow(intent, lang));
    }
    return bubble;
  }

  // Helpful / not helpful under an answer: one vote, then a thank-you in its place.
  function feedbackRow(intent, lang) {
    const row = el("div", "feedback");
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", t("feedback", null, lang));
    for (const [key, helpful] of [["helpful", true], ["not_helpful", false]]) {
      const button = el("button", "", t(key, null, lang));
      button.type = "button";
      button.dataset.vote = key;
      button.addEventListener("click", async () => {
        for (const b of row.querySelectorAll("button")) b.disabled = true;
        const headers = { "Content-Type": "application/json" };
        if (config.token) headers["X-Botox-Web-Token"] = config.token;
        try {
          await fetch(config.feedback, {
            method: "POST", headers, credentials: "same-origin", cache: "no-store",
            body: JSON.stringify({ sender: config.sender, intent, helpful }),
          });
        } catch (err) {
          // a vote lost on a bad connection is not worth an error message
        }
        row.replaceChildren(el("span", "thanks", t("feedback_thanks", null, lang)));
      });
      row.append(button);
    }
    return row;
  }

  // A staff reply (signed by its author: the clinic, or a staff member) or a notice from the desk.
  function addDesk(item) {
    const staff = item.kind === "staff";
    const bubble = el("div", staff ? "msg staff" : "msg notice");
    if (staff) {
      bubble.append(el("p", "author", String(item.author || "")));
    } else {
      bubble.append(el("span", "visually-hidden", t("notice_prefix")));
    }
    appendText(bubble, String(item.text || ""));
    log.append(bubble);
    scrollToShow(bubble);
  }

  // --- the desk: staff replies by long poll ---------------------------------------------------------

  let polling = false;

  async function poll() {
    if (polling) return;
    polling = true;
    const headers = { "Accept": "application/json" };
    if (config.token) headers["X-Botox-Web-Token"] = config.token;
    const url = `${config.updates}?sender=${encodeURIComponent(config.sender)}`;
    while (polling) {
      try {
        const response = await fetch(url, { headers, credentials: "same-origin", cache: "no-store" });
        if (response.status === 401 || response.status === 404) { polling = false; break; }
        if (!response.ok) throw new Error(`status ${response.status}`);
        const body = await response.json();
        for (const item of (body && Array.isArray(body.messages)) ? body.messages : []) addDesk(item);
      } catch (err) {
        await new Promise(resolve => setTimeout(resolve, 3000)); // the server restarting, a bad connection
      }
    }
  }

  function setBusy(on) {
    busy = on;
    sendButton.disabled = on;
    typing.hidden = !on;
    log.setAttribute("aria-busy", on ? "true" : "false");
    if (on) log.scrollTop = log.scrollHeight;
  }

  // --- talking to the server --------------------------------------------------------------------

  function errorText(response) {
    if (response.status === 429) {
      const wait = parseInt(response.headers.get("Retry-After") || "", 10);
      if (!(Number.isFinite(wait) && wait > 0)) return t("rate_limited");
      return t(wait === 1 ? "rate_limited_one" : "rate_limited_other", { seconds: wait });
    }
    if (response.status === 401) return t("expired");
    if (response.status === 503) return t("starting");
    return t("error_generic");
  }

  // Returns true when the question was answered.
  async function send(message, shown) {
    if (busy) return false;
    addUser(shown);
    setBusy(true);
    const headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (config.token) headers["X-Botox-Web-Token"] = config.token;
    let ok = false;
    try {
      const response = await fetch(config.messages, {
        method: "POST",
        headers,
        body: JSON.stringify({ sender: config.sender, message, language }),
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) {
        addError(errorText(response));
      } else {
        const replies = await response.json();
        if (!Array.isArray(replies)) throw new Error("unexpected reply");
        // an empty answer: staff hold the conversation and have the message; their reply comes by the poll
        let first = null;
        for (const reply of replies) {
          const bubble = addBot(reply);
          first = first || bubble;
          const custom = reply && typeof reply.custom === "object" && reply.custom ? reply.custom : {};
          if (custom.handoff === true || custom.emergency === true || custom.urgency === "crisis") poll();
        }
        if (first) scrollToShow(first);
        ok = true;
      }
    } catch (err) {
      addError(t(err instanceof TypeError ? "error_network" : "error_generic"));
    } finally {
      setBusy(false);
    }
    return ok;
  }

  async function choose(group, button, payload, title) {
    if (busy || group.dataset.used) return;
    group.dataset.used = "true";
    button.classList.add("chosen");
    button.setAttribute("aria-pressed", "true");
    for (const b of group.querySelectorAll("button")) b.disabled = true;
    input.focus();
    const ok = await send(payload, title);
    if (!ok) {
      // nothing was answered: let the person pick again
      delete group.dataset.used;
      button.classList.remove("chosen");
      button.removeAttribute("aria-pressed");
      for (const b of group.querySelectorAll("button")) b.disabled = false;
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) {
      input.focus();
      return;
    }
    input.value = "";
    input.focus();
    await send(text, text);
    input.focus();
  });
})();
