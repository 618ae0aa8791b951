// tally's operator console: reads /console/api/* with the bearer token kept in sessionStorage and
// renders the views. Amounts are minor units from the API, shown with the account's scale.
"use strict";

const state = { token: sessionStorage.getItem("tally.token") || "", chart: null };

function el(id) { return document.getElementById(id); }

function showError(message) {
  const e = el("error");
  e.textContent = message || "";
  e.hidden = !message;
}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: "Bearer " + state.token } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(response.status + " " + (body.code || "") + ": " + (body.message || response.statusText));
  }
  return body;
}

function money(minor, scale, currency) {
  if (minor === null || minor === undefined) { return ""; }
  const negative = minor < 0;
  const digits = String(Math.abs(minor)).padStart(scale + 1, "0");
  const units = scale > 0 ? digits.slice(0, -scale) + "." + digits.slice(-scale) : digits;
  return (negative ? "-" : "") + units + (currency ? " " + currency : "");
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (className) { td.className = className; }
  row.appendChild(td);
  return td;
}

function fill(tableId, items, columns) {
  const body = el(tableId).querySelector("tbody");
  body.replaceChildren();
  for (const item of items) {
    const row = document.createElement("tr");
    for (const [value, className] of columns(item)) { cell(row, value, className); }
    body.appendChild(row);
  }
}

async function showAccount(accountId) {
  const data = await api("/console/api/accounts/" + encodeURIComponent(accountId));
  const b = data.balance;
  const scale = b.scale ?? 0;
  el("account").hidden = false;
  el("account-title").textContent = b.accountId + " (" + b.currency + ")";
  el("account-flag").textContent = b.flagged ? "flagged: version " + b.missingVersion + " missing" : "";
  el("account-flag").className = b.flagged ? "flagged" : "";
  el("balance-available").textContent = money(b.availableMinor, scale, b.currency);
  el("balance-available").dataset.minor = b.availableMinor;
  el("balance-locked").textContent = money(b.lockedMinor, scale, b.currency);
  el("balance-locked").dataset.minor = b.lockedMinor;
  el("balance-total").textContent = money(b.totalMinor, scale, b.currency);
  el("balance-version").textContent = b.version;
  el("balance-updated").textContent = "last event " + (b.lastEventId || "") + " at " + (b.updatedAt || "");
  fill("holds", data.holds.holds, h => [[h.holdId], [h.status], [money(h.amountMinor, scale), "number"],
    [money(h.capturedMinor, scale), "number"], [money(h.releasedMinor, scale), "number"], [money(h.remainingMinor, scale), "number"]]);
  const points = data.history.balances.slice().reverse();
  const labels = points.map(p => p.updatedAt || ("v" + p.version));
  const series = (field) => points.map(p => p[field] / Math.pow(10, scale));
  if (state.chart) { state.chart.destroy(); }
  state.chart = new Chart(el("history-chart"), {
    type: "line",
    data: { labels, datasets: [
      { label: "available", data: series("availableMinor"), stepped: true },
      { label: "locked", data: series("lockedMinor"), stepped: true } ] },
    options: { animation: false, scales: { x: { ticks: { maxTicksLimit: 8 } } } }
  });
  el("history-chart").dataset.points = points.length;
}

async function showRuns() {
  const data = await api("/console/api/runs");
  const container = el("runs");
  container.replaceChildren();
  if (data.runs.length === 0) { container.textContent = "No reconciliation runs yet (./tally reconcile)."; }
  for (const run of data.runs) {
    const article = document.createElement("article");
    article.className = "run";
    const header = document.createElement("header");
    header.textContent = run.startedAt + " · " + run.source + " · " + run.mode + " · " + run.status
      + " · " + run.checked + " checked, " + run.drift + " drifting, " + run.fixed + " fixed"
      + (run.failure ? " · " + run.failure : "");
    article.appendChild(header);
    if (run.discrepancies.length > 0) {
      const table = document.createElement("table");
      table.innerHTML = "<thead><tr><th>account</th><th>status</th><th>tier</th><th class=number>expected</th>"
        + "<th class=number>cached</th><th class=number>difference</th><th>fix</th></tr></thead><tbody></tbody>";
      for (const d of run.discrepancies) {
        const row = document.createElement("tr");
        row.className = "discrepancy";
        cell(row, d.accountId);
        cell(row, d.status);
        cell(row, d.tier);
        cell(row, d.expectedAvailableMinor, "number");
        cell(row, d.actualAvailableMinor, "number");
        cell(row, d.differenceMinor, "number");
        cell(row, d.fix);
        table.querySelector("tbody").appendChild(row);
      }
      article.appendChild(table);
    }
    container.appendChild(article);
  }
}

async function showLag() {
  const data = await api("/console/api/lag");
  el("live-projector").textContent = data.liveProjector;
  fill("lag", data.groups, g => [[g.service], [g.groupId], [g.topics.join(", ")], [g.lag, "number"], [g.caughtUp ? "yes" : "no"]]);
}

async function showDeadLetters() {
  const data = await api("/console/api/dead-letters");
  fill("dead-letters", data.deadLetters, d => [[d.at], [d.reason], [d.detail], [d.source], [d.key], [d.valueBytes, "number"]]);
}

const views = { account: null, runs: showRuns, lag: showLag, "dead-letters": showDeadLetters };

async function route() {
  const view = (location.hash || "#account").slice(1);
  for (const section of document.querySelectorAll(".view")) { section.hidden = section.id !== "view-" + view; }
  showError("");
  if (!state.token) { return; }
  try {
    if (views[view]) { await views[view](); }
  } catch (e) {
    showError(e.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  el("token").value = state.token;
  el("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = el("token").value.trim();
    sessionStorage.setItem("tally.token", state.token);
    route();
  });
  el("account-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    showError("");
    try {
      await showAccount(el("account-id").value.trim());
    } catch (e) {
      el("account").hidden = true;
      showError(e.message);
    }
  });
  window.addEventListener("hashchange", route);
  route();
});
