// The dashboard page's script: polls the JSON API and renders the runs, summary, tasks, charts and DAG.
const state = {run: SELECTED, svgKey: null};
const fmt = t => t ? new Date(t * 1000).toLocaleTimeString([], {hour12: false}) : "-";
const base = p => p ? String(p).split("/").pop() : "";
const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
async function getJSON(url) { const r = await fetch(url); if (!r.ok) throw new Error(await r.text()); return r.json(); }
function applyFilter() {
  const text = document.getElementById("filter").value.toLowerCase();
  const wanted = document.getElementById("state").value;
  let shown = 0;
  for (const row of document.querySelectorAll("#tasks tbody tr")) {
    const ok = (!wanted || row.dataset.state === wanted) && (!text || row.textContent.toLowerCase().includes(text));
    row.hidden = !ok; if (ok) shown++;
  }
  document.getElementById("shown").textContent = shown + " shown";
}
function renderRuns(runs) {
  document.getElementById("runs").innerHTML = runs.map(r =>
    `<li><a href="#" data-run="${esc(r.name)}" class="${r.name === state.run ? "current" : ""}">${esc(r.name)}</a>
     <span class="muted">${esc(r.state)}, ${r.tasks} tasks</span></li>`).join("");
  for (const a of document.querySelectorAll("#runs a")) a.onclick = e => { e.preventDefault(); state.run = a.dataset.run; state.svgKey = null; refresh(); };
}
function renderSummary(s) {
  const t = s.totals, r = s.run;
  document.getElementById("summary").innerHTML =
    `<p><b>Run ${esc(r.name)}</b> · ${esc(r.state)} · ${(r.duration ?? 0).toFixed(1)} s · ${esc(r.run_dir)}</p>
     <p>${t.pending} pending, ${t.running} running, ${t.done} done, ${t.failed} failed</p>` +
    (s.blocks.length ? `<table><thead><tr><th>resource</th><th>block</th><th>job id</th><th>state</th><th>host</th></tr></thead><tbody>` +
      s.blocks.map(b => `<tr><td>${esc(b.resource)}</td><td>${esc(b.block)}</td><td>${esc(b.job_id ?? "-")}</td><td>${esc(b.state)}</td><td>${esc(b.host ?? "-")}</td></tr>`).join("") +
      `</tbody></table>` : "");
}
function renderTasks(tasks) {
  document.querySelector("#tasks tbody").innerHTML = tasks.map(t =>
    `<tr data-state="${esc(t.state)}"><td>${t.id}</td><td>${esc(t.name)}</td><td class="${esc(t.state)}">${esc(t.state)}</td>
     <td>${esc(t.resource)}</td><td>${esc(t.job_id ?? "-")}</td><td>${t.attempts}</td><td>${fmt(t.started)}</td>
     <td>${fmt(t.ended)}</td><td>${esc(t.host ?? "-")}</td>
     <td title="${esc(t.error_message)}">${esc(t.error_type ?? "")}</td><td title="${esc(t.stdout)}">${esc(base(t.stdout))}</td>
     <td title="${esc(t.stderr)}">${esc(base(t.stderr))}</td></tr>`).join("");
  applyFilter();
}
async function refresh() {
  clearTimeout(state.timer);
  let running = false;
  try {
    const runs = await getJSON("api/runs");
    if (!state.run && runs.length) state.run = runs[runs.length - 1].name;
    renderRuns(runs);
    const data = await getJSON("api/runs/" + encodeURIComponent(state.run));
    running = data.status.run.state === "running";
    renderSummary(data.status);
    renderTasks(data.tasks);
    Plotly.react("timeline", data.timeline.data, data.timeline.layout, {displaylogo: false, responsive: true});
    Plotly.react("utilisation", data.utilisation.data, data.utilisation.layout, {displaylogo: false, responsive: true});
    if (state.svgKey !== data.dag_key) {
      const r = await fetch("api/runs/" + encodeURIComponent(state.run) + "/dag.svg");
      document.getElementById("dag").innerHTML = r.ok ? await r.text() : `<p class="muted">${esc(await r.text())}</p>`;
      state.svgKey = data.dag_key;
    }
    document.getElementById("error").textContent = "";
    document.body.dataset.loaded = "yes";
  } catch (e) { document.getElementById("error").textContent = String(e); }
  state.timer = setTimeout(refresh, running ? 2000 : 10000);
}
document.getElementById("filter").oninput = applyFilter;
document.getElementById("state").onchange = applyFilter;
refresh();
