// The top bar of signed-in pages: the dashboard link for admins and auditors, and sign-out.
import { logout } from "./api.js";

export function isStaff(user) {
  return (user.roles || []).some((r) => r === "admin" || r === "auditor");
}

export function wireNav(user) {
  const dash = document.getElementById("nav-dashboard");
  if (dash) dash.hidden = !isStaff(user);
  document.getElementById("logout").addEventListener("click", logout);
}

export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

// Builds an element with text children only (never innerHTML: server data stays text).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : String(c ?? ""));
  return node;
}
