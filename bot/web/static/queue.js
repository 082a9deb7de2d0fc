// The queue stays live: the server says when anything changed (server-sent events) and the rows are fetched
// again with the page's own filters. Rows that were not there before and are urgent are highlighted.
"use strict";
(function () {
  const body = document.getElementById("rows");
  const live = document.getElementById("live");
  if (!body) return;
  let known = new Set(Array.from(body.querySelectorAll("tr[data-id]")).map((r) => r.dataset.id));
  let selected = -1;
  let loading = false;
  let again = false;

  function rows() { return Array.from(body.querySelectorAll("tr[data-id]")); }

  function select(index) {
    const all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((r, i) => r.classList.toggle("selected", i === selected));
    all[selected].focus();
  }

  async function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      const answer = await fetch("/queue/rows" + window.location.search, { credentials: "same-origin" });
      if (answer.redirected || answer.status === 401 || answer.status === 403) { window.location.reload(); return; }
      if (!answer.ok) return;
      const selectedId = selected >= 0 && rows()[selected] ? rows()[selected].dataset.id : null;
      body.innerHTML = await answer.text();  // server-rendered and escaped
      let fresh = 0;
      rows().forEach((r) => {
        if (!known.has(r.dataset.id) && (r.dataset.level === "critical" || r.dataset.level === "high")) {
          r.classList.add("fresh");
          fresh += 1;
        }
      });
      known = new Set(rows().map((r) => r.dataset.id));
      if (selectedId) {
        const i = rows().findIndex((r) => r.dataset.id === selectedId);
        if (i >= 0) select(i);
      }
      live.textContent = fresh ? fresh + " new urgent case(s)" : "Updated " + new Date().toLocaleTimeString();
    } finally {
      loading = false;
      if (again) { again = false; refresh(); }
    }
  }

  // The page was rendered at one version of the data; anything the stream reports beyond it is fetched, even a
  // change made between the render and the stream's start.
  let shown = body.dataset.version;
  let last = 0;
  let pending = null;
  function soon() {  // at most one fetch a second, however busy the stream
    if (pending) return;
    const wait = Math.max(0, last + 1000 - Date.now());
    pending = setTimeout(() => { pending = null; last = Date.now(); refresh(); }, wait);
  }
  const events = new EventSource("/queue/events");
  events.addEventListener("changed", (e) => {
    if (e.data === shown) return;
    shown = e.data;
    soon();
  });
  events.onerror = () => {  // an ended session: the stream is refused; reloading shows the login page
    if (events.readyState === EventSource.CLOSED) window.location.reload();
  };
  setInterval(soon, 15000);  // a backstop: a change whose event was missed still shows within 15 s

  document.addEventListener("keydown", (e) => {
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (e.key === "/" && !typing) { e.preventDefault(); document.querySelector("input[name=q]").focus(); return; }
    if (typing) return;
    if (e.key === "j") select(selected + 1);
    else if (e.key === "k") select(selected - 1);
    else if (e.key === "Enter" && selected >= 0) {
      const link = rows()[selected].querySelector("a.open");
      if (link) window.location.href = link.getAttribute("href");
    }
  });
})();
