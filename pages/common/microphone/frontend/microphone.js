// The browser's microphone as numbered chunks of 16-bit PCM for a Streamlit page.
//
// Streamlit's component messages, spoken directly (no build step, no library): this frame
// posts streamlit:componentReady, streamlit:setFrameHeight and streamlit:setComponentValue
// to the page, and receives streamlit:render with the arguments the Python side passed:
//   sample_rate, chunk_seconds, max_seconds  how to cut the sound;
//   ack                                      {session, seq}: the chunks the page has taken.
// Its value, set once per chunk and when listening stops:
//   {session, first, seq, sample_rate, pcm, listening}
// with pcm the chunks numbered first..seq not yet acknowledged, as base64 of little-endian
// int16 samples (mono). A chunk is sent again until it is acknowledged, so none is lost
// while the page is busy; after max_seconds unacknowledged, the oldest are dropped.
"use strict";

(() => {
  const startButton = document.getElementById("start");
  const stopButton = document.getElementById("stop");
  const message = document.getElementById("message");

  const settings = { sample_rate: 16000, chunk_seconds: 0.5, max_seconds: 30 };
  let running = null; // {stream, context, node, downsampler}
  let session = "";
  let seq = 0;
  let pending = []; // [{seq, pcm: Int16Array}], oldest first
  let chunk = new Int16Array(0);
  let filled = 0;

  function post(type, data) {
    window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
  }

  function fitHeight() {
    post("streamlit:setFrameHeight", { height: Math.ceil(document.body.scrollHeight) });
  }

  function show(text, problem = false) {
    message.textContent = text;
    message.classList.toggle("problem", problem);
  }

  function showButtons(listening) {
    startButton.hidden = listening;
    stopButton.hidden = !listening;
    startButton.disabled = false;
  }

  function base64(samples) {
    const bytes = new Uint8Array(samples.length * 2);
    const view = new DataView(bytes.buffer);
    samples.forEach((s, i) => view.setInt16(2 * i, s, true));
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }

  function send(listening) {
    const size = pending.reduce((n, c) => n + c.pcm.length, 0);
    const all = new Int16Array(size);
    let offset = 0;
    for (const c of pending) {
      all.set(c.pcm, offset);
      offset += c.pcm.length;
    }
    const value = {
      session,
      first: pending.length ? pending[0].seq : seq + 1,
      seq,
      sample_rate: settings.sample_rate,
      pcm: base64(all),
      listening,
    };
    post("streamlit:setComponentValue", { value, dataType: "json" });
  }

  function take(samples) {
    const out = running.downsampler ? running.downsampler.push(samples) : samples;
    for (const s of out) {
      const v = Math.max(-1, Math.min(1, s));
      chunk[filled++] = Math.round(v < 0 ? v * 32768 : v * 32767);
      if (filled === chunk.length) {
        seq += 1;
        pending.push({ seq, pcm: chunk });
        const keep = Math.ceil(settings.max_seconds / settings.chunk_seconds);
        pending = pending.slice(-keep);
        chunk = new Int16Array(chunk.length);
        filled = 0;
        send(true);
      }
    }
  }

  function refusal(error) {
    switch (error && error.name) {
      case "NotAllowedError":
      case "SecurityError":
        return (
          "The browser did not allow the microphone. Allow it for this site " +
          "(the icon at the left of the address bar), then press Start listening again."
        );
      case "NotFoundError":
      case "OverconstrainedError":
        return "No microphone was found. Connect one, then press Start listening again.";
      case "NotReadableError":
      case "AbortError":
        return (
          "The microphone could not be opened: another program may be using it. " +
          "Close that program, then press Start listening again."
        );
      default:
        return "The microphone could not be started in this browser.";
    }
  }

  async function capture(context, source) {
    if (context.audioWorklet && typeof AudioWorkletNode === "function") {
      try {
        await context.audioWorklet.addModule("capture.js");
        const node = new AudioWorkletNode(context, "capture", {
          numberOfInputs: 1,
          numberOfOutputs: 1,
          outputChannelCount: [1],
          channelCount: 1,
          channelCountMode: "explicit",
          channelInterpretation: "speakers",
        });
        node.port.onmessage = (event) => running && take(event.data);
        source.connect(node);
        return node;
      } catch (error) {
        // No worklet in this browser or context: the script processor below does it.
      }
    }
    const node = context.createScriptProcessor(4096, 1, 1);
    node.onaudioprocess = (event) =>
      running && take(new Float32Array(event.inputBuffer.getChannelData(0)));
    source.connect(node);
    return node;
  }

  async function start() {
    if (running) {
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.AudioContext) {
      show(
        "This browser cannot use a microphone on this page. Open the app at an " +
          "https:// address or on this computer (localhost), in a current browser.",
        true,
      );
      return;
    }
    startButton.disabled = true;
    show("Asking for the microphone…");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: {
          channelCount: 1,
          echoCancellation: false,
          noiseSuppression: false,
          autoGainControl: false,
        },
        video: false,
      });
    } catch (error) {
      showButtons(false);
      show(refusal(error), true);
      return;
    }
    try {
      const context = new AudioContext();
      const source = context.createMediaStreamSource(stream);
      const rate = context.sampleRate;
      session = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
      seq = 0;
      pending = [];
      chunk = new Int16Array(Math.round(settings.chunk_seconds * settings.sample_rate));
      filled = 0;
      running = {
        stream,
        context,
        node: null,
        downsampler: rate === settings.sample_rate ? null : new Downsampler(rate, settings.sample_rate),
      };
      running.node = await capture(context, source);
      const silent = context.createGain();
      silent.gain.value = 0;
      running.node.connect(silent);
      silent.connect(context.destination);
      await context.resume();
      for (const track of stream.getAudioTracks()) {
        track.onended = () =>
          stop("The microphone stopped (unplugged, or taken by another program).", true);
      }
    } catch (error) {
      running = null;
      stream.getTracks().forEach((track) => track.stop());
      showButtons(false);
      show("This browser could not record sound from the microphone.", true);
      return;
    }
    showButtons(true);
    show("Microphone on.");
  }

  function stop(text = "Microphone off.", problem = false) {
    if (!running) {
      return;
    }
    const { stream, context, node } = running;
    running = null;
    stream.getTracks().forEach((track) => track.stop());
    node.disconnect();
    context.close();
    send(false);
    showButtons(false);
    show(text, problem);
  }

  // The app's font files are declared in the app's page, not in this frame: their
  // @font-face rules are copied here (same origin), with their addresses made absolute.
  // Where the page cannot be read, the theme's font names fall back to the system's.
  function borrowFonts() {
    const rules = [];
    let sheets;
    try {
      sheets = [...window.parent.document.styleSheets];
    } catch (error) {
      return;
    }
    for (const sheet of sheets) {
      try {
        const base = sheet.href || window.parent.location.href;
        for (const rule of sheet.cssRules) {
          if (rule.type === CSSRule.FONT_FACE_RULE) {
            rules.push(rule.cssText.replace(/url\("([^"]+)"\)/g, (_, url) => `url("${new URL(url, base)}")`));
          }
        }
      } catch (error) {
        continue; // a sheet from another origin cannot be read
      }
    }
    const style = document.createElement("style");
    style.textContent = rules.join("\n");
    document.head.appendChild(style);
  }
  borrowFonts();

  // The app's colours and font.
  function applyTheme(theme) {
    const style = document.documentElement.style;
    const names = { primaryColor: "--primary", textColor: "--text", font: "--font" };
    for (const [key, property] of Object.entries(names)) {
      if (theme && typeof theme[key] === "string") {
        style.setProperty(property, key === "font" ? `${theme[key]}, system-ui, sans-serif` : theme[key]);
      }
    }
  }

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (event.source !== window.parent || !data || data.type !== "streamlit:render") {
      return;
    }
    const args = data.args || {};
    for (const key of Object.keys(settings)) {
      if (typeof args[key] === "number" && args[key] > 0 && !running) {
        settings[key] = args[key];
      }
    }
    const ack = args.ack;
    if (ack && ack.session === session && typeof ack.seq === "number") {
      pending = pending.filter((c) => c.seq > ack.seq);
    }
    applyTheme(data.theme);
  });

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", () => stop());
  new ResizeObserver(fitHeight).observe(document.body);
  post("streamlit:componentReady", { apiVersion: 1 });
  fitHeight();
})();
