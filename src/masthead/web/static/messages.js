// Private messages, end to end encrypted in this browser with the Web Crypto API. The protocol is the one in
// masthead/messaging/protocol.py and client.py (README: "Private messages"): each device has a P-256 key pair
// and, where the browser has it, an X25519 one, made unextractable and kept in IndexedDB; every message is
// sealed with AES-256-GCM for each recipient device under a key from ECDH + HKDF-SHA256 for that pair.
(function () {
  "use strict";
  const root = document.querySelector("[data-messages]");
  if (!root) return;
  const viewer = root.dataset.viewer;
  const csrf = document.body.dataset.csrf;
  const T = JSON.parse(document.getElementById("messages-strings").textContent);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const VERSION = "masthead-dm-v1";
  const CURVES = ["X25519", "P-256"];

  function b64(bytes) {
    let text = "";
    bytes.forEach(function (b) { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function unb64(text) {
    const raw = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }
  function algorithm(curve) { return curve === "X25519" ? { name: "X25519" } : { name: "ECDH", namedCurve: "P-256" }; }

  async function getJSON(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    const body = await response.json().catch(function () { return {}; });
    if (!response.ok) throw Object.assign(new Error((body.error && body.error.message) || response.statusText), { code: body.error && body.error.code });
    return body;
  }
  async function postJSON(url, data) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
      body: JSON.stringify(data || {}),
    });
    const body = response.status === 204 ? {} : await response.json().catch(function () { return {}; });
    if (!response.ok) throw Object.assign(new Error((body.error && body.error.message) || T.send_failed), { code: body.error && body.error.code });
    return body;
  }

  // This browser's device: its private keys never leave IndexedDB (they are not extractable).
  function database() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open("masthead-messages", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("devices", { keyPath: "handle" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  async function stored(mode, work) {
    const db = await database();
    return new Promise(function (resolve, reject) {
      const store = db.transaction("devices", mode).objectStore("devices");
      const request = work(store);
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  async function makeKeys(curve) {
    const pair = await crypto.subtle.generateKey(algorithm(curve), false, ["deriveBits"]);
    return { pair: pair, public: b64(new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey))) };
  }
  async function createDevice() {
    const keys = {};
    const publicKeys = {};
    for (const curve of CURVES) {
      try {
        const made = await makeKeys(curve);
        keys[curve] = made.pair;
        publicKeys[curve] = made.public;
      } catch (error) {
        if (curve === "P-256") throw error; // X25519 is optional: older browsers fall back to P-256
      }
    }
    const device = await postJSON("/messages/x/devices", { public_keys: publicKeys, label: navigator.userAgent.slice(0, 100) });
    const record = { handle: viewer, deviceId: device.id, keys: keys, publicKeys: publicKeys };
    await stored("readwrite", function (store) { return store.put(record); });
    return record;
  }
  async function thisDevice() {
    const record = await stored("readonly", function (store) { return store.get(viewer); });
    return record || createDevice();
  }
  async function resetDevice(me) {
    await postJSON("/messages/x/devices/" + me.deviceId + "/revoke").catch(function () {});
    await stored("readwrite", function (store) { return store.delete(viewer); });
    return createDevice();
  }

  function chooseCurve(mine, theirs) {
    for (const curve of CURVES) if (mine[curve] && theirs[curve]) return curve;
    throw new Error("no shared curve");
  }
  const pairKeys = new Map();
  async function pairKey(me, theirId, theirKeys) {
    const curve = chooseCurve(me.publicKeys, theirKeys);
    const cacheKey = theirId + "|" + curve + "|" + theirKeys[curve];
    if (!pairKeys.has(cacheKey)) {
      pairKeys.set(cacheKey, (async function () {
        const theirs = await crypto.subtle.importKey("raw", unb64(theirKeys[curve]), algorithm(curve), false, []);
        const secret = await crypto.subtle.deriveBits({ name: algorithm(curve).name, public: theirs }, me.keys[curve].privateKey, 256);
        const base = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveKey"]);
        const ids = [Number(me.deviceId), Number(theirId)].sort(function (a, b) { return a - b; });
        return crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: encoder.encode(VERSION), info: encoder.encode(VERSION + " aes-256-gcm " + curve + " " + ids[0] + ":" + ids[1]) },
          base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
      })());
    }
    return pairKeys.get(cacheKey);
  }
  function associatedData(conversationId, senderDevice, recipientDevice, clientId) {
    return encoder.encode(VERSION + "|" + conversationId + "|" + senderDevice + "|" + recipientDevice + "|" + clientId);
  }
  async function seal(key, plaintext, ad) {
    const nonce = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: ad }, key, plaintext));
    const envelope = new Uint8Array(12 + sealed.length);
    envelope.set(nonce);
    envelope.set(sealed, 12);
    return envelope;
  }
  const deviceKeys = new Map();
  async function keysOfDevice(deviceId) {
    if (!deviceKeys.has(deviceId)) deviceKeys.set(deviceId, getJSON("/api/v1/messages/devices/" + deviceId).then(function (d) { return d.public_keys; }));
    return deviceKeys.get(deviceId);
  }
  async function openEnvelope(me, envelope) {
    const key = await pairKey(me, envelope.sender_device_id, await keysOfDevice(envelope.sender_device_id));
    const raw = unb64(envelope.ciphertext);
    const ad = associatedData(envelope.conversation_id, envelope.sender_device_id, me.deviceId, envelope.client_id);
    const plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv: raw.slice(0, 12), additionalData: ad }, key, raw.slice(12));
    return JSON.parse(decoder.decode(plaintext)).text;
  }

  // Safety numbers and key fingerprints, as in protocol.py.
  function memberLine(handle, devices) {
    const keys = [];
    devices.forEach(function (device) {
      Object.keys(device.public_keys).forEach(function (curve) { keys.push(device.id + ":" + curve + ":" + device.public_keys[curve]); });
    });
    return handle + "=" + keys.sort().join(",");
  }
  async function digest(name, text) { return new Uint8Array(await crypto.subtle.digest(name, encoder.encode(text))); }
  async function fingerprint(handle, devices) {
    const bytes = await digest("SHA-256", memberLine(handle, devices));
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("").slice(0, 32);
  }
  async function safetyNumber(members) {
    const lines = Object.keys(members).map(function (handle) { return memberLine(handle, members[handle]); }).sort();
    const bytes = await digest("SHA-512", VERSION + " safety-number\n" + lines.join("\n"));
    const groups = [];
    for (let i = 0; i < 12; i++) {
      let value = 0;
      for (let j = 0; j < 5; j++) value = value * 256 + bytes[i * 5 + j];
      groups.push(String(value % 100000).padStart(5, "0"));
    }
    return groups.join(" ");
  }
  function rememberedKey(handle) { return "masthead-dm-keys:" + viewer + ":" + handle; }
  // Trust on first use: remember each person's keys; say so when they change.
  async function checkKeys(members) {
    const changed = [];
    for (const handle of Object.keys(members)) {
      if (handle === viewer) continue;
      const now = await fingerprint(handle, members[handle]);
      const before = localStorage.getItem(rememberedKey(handle));
      if (before && before !== now) changed.push(handle);
      localStorage.setItem(rememberedKey(handle), now);
    }
    return changed;
  }

  // The live stream of the page's reader, with this device's messages as `message` events; it starts where the
  // server rendered the page (data-stream-start) and, reconnecting by itself, sends Last-Event-ID.
  function liveStream(me) {
    const query = new URLSearchParams({ device: me.deviceId, cursor: root.dataset.streamStart });
    return new EventSource("/api/v1/stream?" + query);
  }

  function format(template, name) { return template.replace("%(name)s", name); }
  function timeOf(iso) {
    return new Date(iso).toLocaleString(document.documentElement.lang || undefined, { dateStyle: "short", timeStyle: "short" });
  }

  async function inboxPage() {
    const status = document.getElementById("device-status");
    let me;
    try {
      me = await thisDevice();
      status.textContent = T.keys_ready;
    } catch (error) {
      status.textContent = T.keys_failed;
      return;
    }
    // Unread counts rise as messages arrive; a conversation not listed yet is announced with a link.
    let source = liveStream(me);
    function onMessage(event) {
      const envelope = JSON.parse(event.data);
      if (envelope.sender === viewer) return;
      const item = document.querySelector('.conversation-list [data-conversation-id="' + envelope.conversation_id + '"]');
      if (!item) {
        const elsewhere = document.getElementById("new-elsewhere");
        elsewhere.querySelector("a").href = "/messages/" + envelope.conversation_id;
        elsewhere.hidden = false;
        return;
      }
      let count = item.querySelector(".count");
      if (!count) {
        count = document.createElement("span");
        count.className = "count unread";
        count.textContent = "0";
        item.querySelector("a").appendChild(count);
      }
      count.textContent = String(Number(count.textContent) + 1);
      count.setAttribute("aria-label", T.unread.replace("%(num)s", count.textContent));
      item.parentNode.insertBefore(item, item.parentNode.firstChild);
    }
    source.addEventListener("message", onMessage);
    document.getElementById("reset-device").addEventListener("click", async function () {
      if (!window.confirm(T.reset_confirm)) return;
      me = await resetDevice(me);
      source.close();
      source = liveStream(me);
      source.addEventListener("message", onMessage);
      status.textContent = T.reset_done;
    });
  }

  async function conversationPage() {
    const conversationId = root.dataset.conversationId;
    const list = document.getElementById("message-list");
    const status = document.getElementById("message-status");
    const warning = document.getElementById("key-warning");
    const seen = new Set();
    // The report dialog is ready before the first await: a Report button can be pressed as soon as it is shown,
    // while the page still loads (the dialog's constants were not yet defined then, and the press did nothing).
    const dialog = document.getElementById("report-dialog");
    const reportForm = document.getElementById("report-form");
    const reportError = document.getElementById("report-error");
    let reporting = null;
    function openReport(messageId, plaintext, button) {
      reporting = { messageId: messageId, plaintext: plaintext, button: button };
      document.getElementById("report-quote").textContent = plaintext;
      document.getElementById("report-consent").checked = false;
      reportError.hidden = true;
      dialog.showModal();
    }
    document.getElementById("report-cancel").addEventListener("click", function () { dialog.close(); reporting.button.focus(); });
    reportForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      try {
        await postJSON("/messages/x/reports", {
          message_id: reporting.messageId, plaintext: reporting.plaintext,
          reason: document.getElementById("report-reason").value,
          comment: document.getElementById("report-comment").value,
          consent: document.getElementById("report-consent").checked,
        });
      } catch (failure) {
        reportError.textContent = failure.message;
        reportError.hidden = false;
        return;
      }
      dialog.close();
      const done = document.createElement("span");
      done.setAttribute("role", "status");
      done.textContent = T.reported;
      reporting.button.replaceWith(done);
    });
    let me;
    try {
      me = await thisDevice();
    } catch (error) {
      status.textContent = T.keys_failed;
      return;
    }
    let knownDevices = new Set();
    async function refreshKeys() {
      const found = await getJSON("/api/v1/messages/conversations/" + conversationId + "/devices");
      knownDevices = new Set(found.recipients.map(function (d) { return d.id; }));
      const unready = Object.keys(found.members).filter(function (handle) { return !found.members[handle].length; });
      const waiting = document.getElementById("no-device");
      waiting.textContent = unready.map(function (handle) { return format(T.no_device, "@" + handle); }).join(" ");
      waiting.hidden = !unready.length;
      const changed = await checkKeys(found.members);
      if (changed.length) {
        warning.textContent = "";
        changed.forEach(function (handle) {
          const line = document.createElement("p");
          line.textContent = format(T.key_changed, "@" + handle) + " ";
          const link = document.createElement("a");
          link.href = "/messages/" + conversationId + "/verify";
          link.textContent = document.querySelector('a[href$="/verify"]').textContent;
          line.appendChild(link);
          warning.appendChild(line);
        });
        warning.hidden = false;
      }
      return found;
    }

    let lastSeq = 0;
    let readSeq = 0;
    async function markRead(seq) {
      if (seq <= readSeq) return;
      readSeq = seq;
      await postJSON("/messages/x/" + conversationId + "/read", { seq: String(seq) }).catch(function () {});
    }
    async function show(envelope) {
      if (envelope.conversation_id !== conversationId || seen.has(envelope.message_id)) return;
      seen.add(envelope.message_id);
      lastSeq = Math.max(lastSeq, Number(envelope.seq));
      const mine = envelope.sender === viewer;
      const item = document.createElement("li");
      item.className = "message" + (mine ? " mine" : "");
      item.dataset.messageId = envelope.message_id;
      const sender = document.createElement("p");
      sender.className = "sender";
      sender.textContent = mine ? T.you : "@" + envelope.sender;
      const text = document.createElement("p");
      text.className = "text";
      let plaintext = null;
      try {
        plaintext = await openEnvelope(me, envelope);
        text.textContent = plaintext;
      } catch (error) {
        item.classList.add("undecryptable");
        text.textContent = T.cannot_decrypt;
      }
      const meta = document.createElement("p");
      meta.className = "meta";
      const time = document.createElement("time");
      time.dateTime = envelope.created_at;
      time.textContent = timeOf(envelope.created_at);
      meta.appendChild(time);
      if (!mine && plaintext !== null) {
        const report = document.createElement("button");
        report.type = "button";
        report.textContent = T.report;
        report.setAttribute("aria-label", T.report + ": " + plaintext.slice(0, 40));
        report.addEventListener("click", function () { openReport(envelope.message_id, plaintext, report); });
        meta.appendChild(report);
      }
      item.append(sender, text, meta);
      const after = Array.from(list.children).find(function (other) { return Number(other.dataset.seq) > Number(envelope.seq); });
      item.dataset.seq = envelope.seq;
      list.insertBefore(item, after || null);
      status.hidden = true;
      if (!knownDevices.has(envelope.sender_device_id)) await refreshKeys().catch(function () {});
    }

    try {
      await refreshKeys();
      const history = await getJSON("/api/v1/messages/conversations/" + conversationId + "/messages?limit=200&device=" + me.deviceId);
      for (const envelope of history.messages.reverse()) await show(envelope);
    } catch (error) {
      if (error.code === "device_not_found") {
        await stored("readwrite", function (store) { return store.delete(viewer); });
        window.location.reload();
        return;
      }
      status.textContent = error.message;
      return;
    }
    if (!list.children.length) status.textContent = T.empty;
    await markRead(lastSeq);

    const source = liveStream(me);
    source.addEventListener("message", async function (event) {
      const envelope = JSON.parse(event.data);
      await show(envelope);
      if (envelope.conversation_id === conversationId && document.visibilityState === "visible") await markRead(Number(envelope.seq));
    });

    const composer = document.getElementById("composer");
    if (composer) {
      composer.querySelector("button").disabled = false;
      const input = document.getElementById("compose");
      const error = document.getElementById("compose-error");
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          composer.requestSubmit();
        }
      });
      composer.addEventListener("submit", async function (event) {
        event.preventDefault();
        const text = input.value;
        if (!text.trim()) return;
        const button = composer.querySelector("button");
        button.disabled = true;
        error.hidden = true;
        input.removeAttribute("aria-invalid");
        try {
          await send(text);
          input.value = "";
        } catch (failure) {
          error.textContent = failure.message || T.send_failed;
          error.hidden = false;
          input.setAttribute("aria-invalid", "true");
        } finally {
          button.disabled = false;
          input.focus();
        }
      });
    }

    async function send(text) {
      const clientId = crypto.getRandomValues(new Uint32Array(4)).join("-");
      const plaintext = encoder.encode(JSON.stringify({ text: text }));
      for (let attempt = 0; attempt < 3; attempt++) {
        const found = await getJSON("/api/v1/messages/conversations/" + conversationId + "/devices");
        const envelopes = [];
        for (const device of found.recipients) {
          const key = await pairKey(me, device.id, device.public_keys);
          const sealed = await seal(key, plaintext, associatedData(conversationId, me.deviceId, device.id, clientId));
          envelopes.push({ device_id: device.id, ciphertext: b64(sealed) });
        }
        try {
          return await postJSON("/messages/x/" + conversationId + "/send", { device_id: me.deviceId, client_id: clientId, envelopes: envelopes });
        } catch (failure) {
          if (failure.code !== "devices_changed") throw failure;
          await refreshKeys();
        }
      }
      throw new Error(T.send_failed);
    }

  }

  async function verifyPage() {
    const conversationId = root.dataset.conversationId;
    const found = await getJSON("/api/v1/messages/conversations/" + conversationId + "/devices");
    const number = await safetyNumber(found.members);
    document.getElementById("safety-number").textContent = number;
    const keyList = document.getElementById("key-list");
    for (const handle of Object.keys(found.members).sort()) {
      const item = document.createElement("li");
      item.textContent = "@" + handle + " · " + (await fingerprint(handle, found.members[handle])).replace(/(.{4})/g, "$1 ").trim();
      keyList.appendChild(item);
    }
    await checkKeys(found.members);
    const verifiedKey = "masthead-dm-verified:" + viewer + ":" + conversationId;
    const verifiedStatus = document.getElementById("verified-status");
    if (localStorage.getItem(verifiedKey) === number) verifiedStatus.textContent = T.verified;
    document.getElementById("mark-verified").addEventListener("click", function () {
      localStorage.setItem(verifiedKey, number);
      verifiedStatus.textContent = T.verified;
    });
  }

  const pages = { inbox: inboxPage, conversation: conversationPage, verify: verifyPage };
  pages[root.dataset.messages]();
})();
