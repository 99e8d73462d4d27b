// The dashboard: a hash router over four views, signed in with an API key
// or a JWT that every API call carries.
import "./style.css";
import { credential, get, setCredential } from "./api.js";
import { errorBox, h } from "./dom.js";
import { language, t, toggleLanguage } from "./i18n.js";
import { registerForm, targetsPage } from "./views/forms.js";
import { overview } from "./views/overview.js";
import { unitPage } from "./views/unit.js";

const CITY = "units/01";
const app = document.getElementById("app");

function route() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, query] = hash.split("?");
  const params = new URLSearchParams(query || "");
  const year = Number(params.get("year")) || new Date().getFullYear();
  return { path, year };
}

// Navigates to `path` (default: the current one) with `year`.
function go({ path, year }) {
  const current = route();
  location.hash = `#${path ?? current.path}?year=${year ?? current.year}`;
}

function signIn() {
  const input = h("textarea", { rows: 3, "data-testid": "credential", autocomplete: "off",
    spellcheck: "false" });
  const status = h("div");
  const form = h("form.card.signin", { "data-testid": "signin" },
    h("h1", {}, t("signIn")),
    h("label.field", {}, h("span", {}, t("credential")), input),
    h("p.hint", {}, t("credentialHint")),
    status,
    h("button", { type: "submit" }, t("signIn")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setCredential(input.value);
    try {
      await get(`/v1/${CITY}`);  // Any call the credential must pass.
      render();
    } catch (error) {
      setCredential("");
      status.replaceChildren(errorBox({ message: `${t("signInFailed")}: ${error.message}` }));
    }
  });
  app.replaceChildren(form);
}

function header() {
  const lang = document.getElementById("lang");
  lang.textContent = t("toggle");
  lang.onclick = () => {
    toggleLanguage();
    render();
  };
  const out = document.getElementById("signout");
  out.textContent = t("signOut");
  out.hidden = !credential();
  out.onclick = () => {
    setCredential("");
    render();
  };
  const jump = h("input", { type: "text", placeholder: `${t("unit")}: 002`, size: 8,
    "aria-label": t("unit") });
  document.getElementById("nav").replaceChildren(
    h("a", { href: `#/?year=${route().year}` }, t("overview")),
    h("form.jump", { onsubmit: (e) => {
      e.preventDefault();
      const code = jump.value.trim().replace(/^units\//, "");
      if (code) go({ path: `/units/${code}` });
    } }, jump, h("button", { type: "submit" }, t("open"))));
}

async function render() {
  document.documentElement.lang = language();
  header();
  if (!credential()) {
    signIn();
    return;
  }
  const { path, year } = route();
  // Each render draws into a container of its own: a slower earlier render
  // (the city's overview after a sign-out) finishes into a detached one
  // and never over the page now shown.
  const view = h("div.view", {}, h("p", {}, t("loading")));
  app.replaceChildren(view);
  const unit = path.match(/^\/units\/([0-9A-Za-z-]+)(\/register|\/targets)?$/);
  try {
    if (!unit) await overview(view, { city: CITY, year, go });
    else if (unit[2] === "/register") await registerForm(view, { code: unit[1], year, go });
    else if (unit[2] === "/targets") await targetsPage(view, { code: unit[1], year, go });
    else await unitPage(view, { code: unit[1], year, go });
  } catch (e) {
    view.replaceChildren(errorBox(e));
  }
  if (view.isConnected) app.setAttribute("data-ready", path);
}

window.addEventListener("hashchange", render);
render();
