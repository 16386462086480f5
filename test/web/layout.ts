/**
 * Layout checks for a dashboard page, measured in the browser (docs/dashboard.md, "Layout"):
 * - the page does not scroll sideways (`scrollWidth` ≤ the viewport's width);
 * - no visible element reaches past the page's edges unless a box that scrolls sideways
 *   (`overflow-x: auto | scroll`) holds it: a wide table or log scrolls in its own box;
 * - no two controls or badges (links, buttons, inputs, summaries, `.badge`) overlap: each line box
 *   of one against each of the other's, for elements that do not contain each other;
 * - no heading, table header, term, button, badge or navigation link is broken inside a word;
 * - the page is at most MAX_PAGE_HEIGHT px tall (long lists come a page at a time), and no table
 *   row is taller than half the viewport, nor a table cell narrower than six characters whose
 *   text takes more than four lines (a column squeezed to a few letters a line).
 * In-page code is a string: the tests compile without DOM types.
 */
import type { Page } from "playwright-core";

/** About 25 phone screens: anything taller is a list that should come a page at a time. */
export const MAX_PAGE_HEIGHT = 20_000;

const PROBLEMS = `((maxHeight) => {
  const problems = [];
  const root = document.documentElement;
  const vw = root.clientWidth;
  const describe = (el) => {
    const id = el.id ? "#" + el.id : "";
    const cls = typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    return el.tagName.toLowerCase() + id + cls + (text ? ' "' + text + '"' : "");
  };
  // checkVisibility: not display:none, not visibility:hidden, not in a closed <details>.
  const visible = (el) => {
    if (!el.checkVisibility({ visibilityProperty: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  // Deliberately off-screen (the skip link) or visually hidden (.sr-only, 1 px clipped).
  const hidden = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.clip === "rect(0px, 0px, 0px, 0px)" || style.clipPath === "inset(50%)") return true;
      const r = e.getBoundingClientRect();
      if (style.position === "absolute" && (r.right <= 0 || r.left >= vw)) return true;
    }
    return false;
  };
  const scroller = (el) => {
    for (let e = el.parentElement; e && e !== document.body && e !== root; e = e.parentElement) {
      const x = getComputedStyle(e).overflowX;
      if (x === "auto" || x === "scroll") return e;
    }
    return null;
  };

  if (root.scrollWidth > vw) problems.push("page scrolls sideways: " + root.scrollWidth + " px wide in " + vw + " px");
  if (root.scrollHeight > maxHeight) problems.push("page is " + root.scrollHeight + " px tall (at most " + maxHeight + ")");

  let tall = 0;
  for (const tr of document.body.querySelectorAll("tr")) {
    const h = tr.getBoundingClientRect().height;
    if (visible(tr) && h > innerHeight / 2 && tall++ < 3) problems.push("table row " + Math.round(h) + " px tall: " + describe(tr));
  }

  let squeezed = 0;
  for (const cell of document.body.querySelectorAll("td, th")) {
    if ((cell.textContent || "").trim().length <= 8 || !visible(cell)) continue;
    const style = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (inner >= 6 * 0.55 * parseFloat(style.fontSize)) continue;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
    if (lines > 4 && squeezed++ < 3)
      problems.push("table cell squeezed to " + Math.round(inner) + " px, " + lines + " lines: " + describe(cell));
  }

  const all = [...document.body.querySelectorAll("*")].filter((el) => !(el.closest("svg") && el.tagName.toLowerCase() !== "svg"));
  let past = 0;
  for (const el of all) {
    if (!visible(el) || scroller(el) || hidden(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > vw + 0.5 || r.left < -0.5) {
      // Report the outermost offender only: its children are past the edge because it is.
      const parent = el.parentElement;
      const pr = parent && parent !== document.body ? parent.getBoundingClientRect() : null;
      if (pr && (pr.right > vw + 0.5 || pr.left < -0.5) && !scroller(parent) && !hidden(parent)) continue;
      if (past++ < 8) problems.push("past the page's edge (" + Math.round(r.left) + "–" + Math.round(r.right) + " px of " + vw + "): " + describe(el));
    }
  }

  const controls = [...document.body.querySelectorAll("a[href], button, input, select, textarea, summary, .badge")]
    .filter((el) => visible(el) && !hidden(el) && el.type !== "hidden");
  const boxes = controls.map((el) => [...el.getClientRects()].filter((r) => r.width > 0 && r.height > 0));
  let overlaps = 0;
  for (let i = 0; i < controls.length; i++) {
    for (let j = i + 1; j < controls.length; j++) {
      const a = controls[i], b = controls[j];
      if (a.contains(b) || b.contains(a)) continue;
      const hit = boxes[i].some((ra) => boxes[j].some((rb) =>
        Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left) > 1 &&
        Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top) > 1));
      if (hit && overlaps++ < 8) problems.push("overlap: " + describe(a) + " and " + describe(b));
    }
  }

  // A word broken across lines has line boxes at two heights. Breaks after - and / are allowed.
  const headers = [...document.body.querySelectorAll("h1, h2, h3, th, dt, button, .badge, nav a, summary, label")]
    .filter((el) => visible(el) && !hidden(el));
  for (const el of headers) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement && node.parentElement.closest("input, textarea, select, .sr-only")) continue;
      const text = node.textContent || "";
      const words = /[^\\s\\-\\/]+/g;
      for (let m = words.exec(text); m; m = words.exec(text)) {
        if (m[0].length < 2) continue;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) {
          problems.push("word broken across lines: " + JSON.stringify(m[0]) + " in " + describe(el));
          break;
        }
      }
    }
  }
  return problems;
})`;

/** What is wrong with the page's layout at its viewport, as readable lines (none: it fits). */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`${PROBLEMS}(${MAX_PAGE_HEIGHT})`);
}
