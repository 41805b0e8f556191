// The RM dashboard: charts drawn from the JSON the page carries (no inline script: CSP).
document.addEventListener("DOMContentLoaded", () => {
  const data = JSON.parse(document.getElementById("rm-dashboard-data").textContent);
  const colors = ["#1f2a44", "#5b7bb4", "#c98a00", "#8a1c1c", "#2e7d32"];
  const count = { ticks: { precision: 0 }, beginAtZero: true };
  const bar = (id, rows, label, color, extra = {}) =>
    new Chart(document.getElementById(id), {
      type: "bar",
      data: {
        labels: rows.map((r) => r.label),
        datasets: [{ label, data: rows.map((r) => r.count), backgroundColor: color }],
      },
      options: { plugins: { legend: { display: false } }, scales: { y: count }, ...extra },
    });
  bar("category-chart", data.categories, "진행 중", colors[0]);
  new Chart(document.getElementById("severity-chart"), {
    type: "doughnut",
    data: {
      labels: data.severities.map((r) => r.label),
      datasets: [{ data: data.severities.map((r) => r.count), backgroundColor: ["#8a1c1c", "#c98a00", "#5b7bb4", "#9aa5bd"] }],
    },
  });
  bar("age-chart", data.ages, "진행 중", colors[1]);
  bar("breach-chart", data.breaches, "SLA 초과", colors[3]);
});
