// The managers' dashboard: charts drawn from the JSON the page carries (no inline script: CSP).
document.addEventListener("DOMContentLoaded", () => {
  const data = JSON.parse(document.getElementById("dashboard-data").textContent);
  const colors = ["#1f2a44", "#5b7bb4", "#c98a00", "#8a1c1c"];
  const number = (v) => v.toLocaleString("ko-KR");
  new Chart(document.getElementById("open-chart"), {
    type: "bar",
    data: {
      labels: data.open.tiers.map((t) => `${t}차`),
      datasets: data.open.buckets.map((label, i) => ({
        label, data: data.open.counts[label], backgroundColor: colors[i % colors.length],
      })),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, ticks: { precision: 0 } } } },
  });
  new Chart(document.getElementById("rule-chart"), {
    type: "bar",
    data: {
      labels: data.rules.map((r) => r.rule),
      datasets: [{ label: "지급 결정 건수", data: data.rules.map((r) => r.count), backgroundColor: colors[1] }],
    },
    options: {
      indexAxis: "y",
      scales: { x: { ticks: { precision: 0 } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${number(c.raw)}건` } } },
    },
  });
  new Chart(document.getElementById("instrument-chart"), {
    type: "bar",
    data: {
      labels: data.instruments.map((r) => r.instrument),
      datasets: [
        { label: "건수", data: data.instruments.map((r) => r.count), backgroundColor: colors[0], yAxisID: "y" },
        { label: "금액 (원·P)", data: data.instruments.map((r) => r.amount), backgroundColor: colors[2], yAxisID: "y1" },
      ],
    },
    options: { scales: { y: { position: "left", ticks: { precision: 0 } }, y1: { position: "right", grid: { drawOnChartArea: false } } } },
  });
});
