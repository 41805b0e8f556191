// A relief program's dashboard: charts drawn from the JSON the page carries (no inline
// script: CSP). The tables under each chart hold the same numbers.
document.addEventListener("DOMContentLoaded", () => {
  const data = JSON.parse(document.getElementById("relief-dashboard-data").textContent);
  const colors = ["#1f2a44", "#5b7bb4", "#c98a00", "#8a1c1c"];
  const number = (v) => v.toLocaleString("ko-KR");
  const share = (rows, id) =>
    new Chart(document.getElementById(id), {
      type: "doughnut",
      data: {
        labels: rows.map((r) => r.label),
        datasets: [{ data: rows.map((r) => r.count), backgroundColor: colors }],
      },
      options: {
        plugins: {
          tooltip: {
            callbacks: {
              label: (c) => `${c.label}: ${number(c.raw)}건 (${rows[c.dataIndex].percent}%)`,
            },
          },
        },
      },
    });
  share(data.reporters, "reporter-chart");
  share(data.damage, "damage-chart");
  new Chart(document.getElementById("intake-chart"), {
    type: "bar",
    data: {
      labels: data.intake.map((d) => d.day),
      datasets: [{ label: "접수 건수", data: data.intake.map((d) => d.count), backgroundColor: colors[1] }],
    },
    options: {
      scales: { y: { ticks: { precision: 0 } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${number(c.raw)}건` } } },
    },
  });
});
