// The RM queue: the subtype list narrows to the chosen category, and one box checks the page.
// A file, not inline: the CSP runs only our own scripts.
document.addEventListener("DOMContentLoaded", () => {
  const byCategory = JSON.parse(document.getElementById("subtypes-by-category").textContent);
  const category = document.getElementById("id_category");
  const subtype = document.getElementById("id_subtype");
  const narrow = () => {
    const allowed = byCategory[category.value];
    for (const group of subtype.querySelectorAll("optgroup")) {
      const codes = [...group.querySelectorAll("option")].map((o) => o.value);
      const show = !allowed || codes.some((c) => allowed.includes(c));
      group.hidden = !show;
      group.disabled = !show;
    }
    if (allowed && subtype.value && !allowed.includes(subtype.value)) subtype.value = "";
  };
  if (category && subtype) {
    category.addEventListener("change", narrow);
    narrow();
  }
  const all = document.getElementById("check-all");
  if (all) {
    all.addEventListener("change", () => {
      for (const box of document.querySelectorAll("input[name=ids]")) box.checked = all.checked;
    });
  }
});
