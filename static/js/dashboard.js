/*
 * The methodologist's dashboard: draws the charts from the JSON the page embeds
 * (<script type="application/json" id="dashboard-chart-data">, Django's json_script).
 * No inline script; without JavaScript (or without Chart.js) the figures stay hidden and the tables,
 * which hold the same numbers, are the page.
 */
(function () {
  "use strict";

  var COLOURS = {
    shnor: "#c0392b",
    risk: "#e0a800",
    left: "#2e7d4f",
    green: "#2e7d4f",
    yellow: "#e0a800",
    red: "#c0392b",
    none: "#9aa5b1",
  };

  function readData() {
    var node = document.getElementById("dashboard-chart-data");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      return null;
    }
  }

  function show(figureId) {
    var figure = document.getElementById(figureId);
    if (figure) figure.hidden = false;
    return figure;
  }

  function percent(value) {
    return value === null || value === undefined
      ? "нет данных"
      : value.toLocaleString("ru-RU", { maximumFractionDigits: 1 }) + " %";
  }

  function drawFlags(flags) {
    var canvas = document.getElementById("flags-chart");
    if (!canvas || !flags || !flags.years.length) return;
    show("flags-chart-figure");
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: flags.years.map(String),
        datasets: flags.series.map(function (series) {
          return {
            label: series.label,
            data: series.values,
            backgroundColor: COLOURS[series.key],
          };
        }),
      },
      options: {
        responsive: true,
        aspectRatio: 3,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  function drawIndicators(items) {
    var canvas = document.getElementById("indicators-chart");
    if (!canvas || !items || !items.length) return;
    show("indicators-chart-figure");
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: items.map(function (item, index) {
          return index + 1 + ". " + item.label;
        }),
        datasets: [
          {
            label: "Значение, %",
            data: items.map(function (item) {
              return item.value;
            }),
            backgroundColor: items.map(function (item) {
              return COLOURS[item.light];
            }),
          },
          {
            label: "Цель, %",
            data: items.map(function (item) {
              return item.target;
            }),
            backgroundColor: "rgba(31, 78, 121, 0.15)",
            borderColor: "#1f4e79",
            borderWidth: 1,
          },
        ],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        aspectRatio: 2,
        animation: false,
        scales: {
          x: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } },
          y: { ticks: { autoSkip: false } },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + percent(context.raw);
              },
            },
          },
        },
      },
    });
  }

  function init() {
    var data = readData();
    if (!data || typeof window.Chart !== "function") return;
    drawFlags(data.flags);
    drawIndicators(data.indicators);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
