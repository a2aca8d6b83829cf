// The DORA dashboard's own script: reads the JSON block, draws with Chart.js. No request.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("dora-data").textContent);
  const palette = ["#0969da", "#8250df", "#1a7f37", "#bf3989", "#9a6700", "#cf222e"];
  // order: higher is drawn first, so failures and rollbacks stay visible over deployments
  const marks = {
    "deployed": { color: "#1a7f37", style: "circle", radius: 5, order: 5, offset: 0 },
    "failed": { color: "#cf222e", style: "crossRot", radius: 8, order: 1, offset: -0.18 },
    "replaced by rollback": { color: "#bc4c00", style: "rectRot", radius: 7, order: 2, offset: -0.18 },
    "rollback": { color: "#0969da", style: "triangle", radius: 7, order: 3, offset: 0.18 },
    "pending": { color: "#8c959f", style: "circle", radius: 4, order: 4, offset: 0 },
  };
  const verdictColors = { "pass": "#1a7f37", "hold": "#9a6700", "fail": "#cf222e", "not configured": "#d0d7de" };
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  document.getElementById("window").textContent =
    data.since + " to " + data.until + " (" + data.days + " days) · generated " + data.generated_at;
  const keys = document.getElementById("keys");
  for (const k of data.keys) {
    const box = el("div", "env");
    box.appendChild(el("h2", "", k.environment));
    const tiles = el("div", "tiles");
    for (const t of k.tiles) {
      const tile = el("div", "tile");
      tile.appendChild(el("div", "label", t.label));
      tile.appendChild(el("div", "value", t.value));
      tile.appendChild(el("div", "detail", t.detail));
      tiles.appendChild(tile);
    }
    box.appendChild(tiles);
    keys.appendChild(box);
  }
  const footer = document.getElementById("footer");
  footer.textContent = "Definitions: " + data.definitions + " · charts: Chart.js " + data.chart_js + " (MIT)";

  function trend(id, type, series, yTitle) {
    const datasets = data.environments.map((name, i) => ({
      label: name,
      data: series[name],
      backgroundColor: palette[i % palette.length],
      borderColor: palette[i % palette.length],
      spanGaps: true,
      pointRadius: 3,
    }));
    return new Chart(document.getElementById(id), {
      type: type,
      data: { labels: data.weeks, datasets: datasets },
      options: {
        scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } },
                  x: { title: { display: true, text: "week of" } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }
  trend("chart-deployments", "bar", data.series.deployments, "deployments");
  trend("chart-lead-time", "line", data.series.lead_time_hours, "hours");
  trend("chart-failure-rate", "line", data.series.change_failure_percent, "%");
  trend("chart-restore", "line", data.series.restore_hours, "hours");

  const day = 86400000;
  const kinds = Object.keys(marks).filter((k) => data.timeline.some((p) => p.outcome === k));
  new Chart(document.getElementById("chart-timeline"), {
    type: "scatter",
    data: {
      datasets: kinds.map((kind) => ({
        label: kind,
        data: data.timeline.filter((p) => p.outcome === kind)
          .map((p) => ({ x: p.x, y: p.row + marks[kind].offset, point: p })),
        order: marks[kind].order,
        pointStyle: marks[kind].style,
        pointRadius: marks[kind].radius,
        borderColor: marks[kind].color,
        backgroundColor: marks[kind].color,
        borderWidth: 2,
      })),
    },
    options: {
      scales: {
        x: {
          type: "linear",
          min: Date.parse(data.since),
          max: Date.parse(data.until),
          ticks: { stepSize: 7 * day, callback: (v) => new Date(v).toISOString().slice(0, 10) },
        },
        y: {
          min: -0.5,
          max: data.environments.length - 0.5,
          reverse: true,
          afterBuildTicks: (axis) => { axis.ticks = data.environments.map((_, i) => ({ value: i })); },
          ticks: { callback: (v) => data.environments[v] || "" },
          grid: { offset: false },
        },
      },
      plugins: {
        legend: { position: "bottom", labels: { sort: (a, b) => a.datasetIndex - b.datasetIndex } },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const p = ctx.raw.point;
              return p.environment + " · " + p.at + " · " + p.task + " · " + p.digest + " · " + p.outcome;
            },
          },
        },
      },
    },
  });

  new Chart(document.getElementById("chart-gates"), {
    type: "bar",
    data: {
      labels: data.gates.rows,
      datasets: Object.keys(data.gates.verdicts).map((v) => ({
        label: v,
        data: data.gates.verdicts[v],
        backgroundColor: verdictColors[v],
      })),
    },
    options: {
      indexAxis: "y",
      scales: { x: { stacked: true, beginAtZero: true, title: { display: true, text: "deployments" } },
                y: { stacked: true } },
      plugins: { legend: { position: "bottom" } },
    },
  });
})();
