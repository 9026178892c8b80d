// theorylab book: table cells made only of short words (a claim id, a role, a grade, a
// verdict) never break inside a word; cells holding a long token (a formula, a slug, a
// path) may break it anywhere, so a wide table still fits the column (theorylab.css).
document.addEventListener("DOMContentLoaded", () => {
  for (const td of document.querySelectorAll(".bd-article table td")) {
    const words = td.textContent.trim().split(/[\s\-\/]+/); // a slug breaks after its hyphens
    if (words.every((w) => w.length <= 16)) td.classList.add("tl-short-words");
  }
});
