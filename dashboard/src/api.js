// The gateway's HTTP/JSON API, called with the signed-in user's credential
// (an API key or a JWT, kept for the browser tab only).
const KEY = "chitieu.credential";

export function credential() {
  return sessionStorage.getItem(KEY) || "";
}

export function setCredential(value) {
  if (value) sessionStorage.setItem(KEY, value.trim());
  else sessionStorage.removeItem(KEY);
}

// An error answer: google.rpc.Status as JSON, with the field violations of a
// google.rpc.BadRequest detail by field path ("organization.founding_date").
export class ApiError extends Error {
  constructor(httpStatus, body) {
    super(body?.message || `HTTP ${httpStatus}`);
    this.httpStatus = httpStatus;
    this.code = body?.code ?? 0;
    this.violations = {};
    for (const detail of body?.details || []) {
      for (const v of detail.fieldViolations || []) this.violations[v.field] = v.description;
    }
  }
}

function queryString(query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === "") continue;
    for (const one of Array.isArray(v) ? v : [v]) params.append(k, String(one));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

export async function api(method, path, { query, body } = {}) {
  const response = await fetch(path + queryString(query), {
    method,
    headers: {
      Authorization: `Bearer ${credential()}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text };
  }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

export const get = (path, query) => api("GET", path, { query });
export const post = (path, body, query) => api("POST", path, { body, query });
export const patch = (path, body, query) => api("PATCH", path, { body, query });

// The name in a Content-Disposition header: filename* (RFC 5987) first.
function fileName(disposition) {
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition || "");
  if (extended) {
    try {
      return decodeURIComponent(extended[1]);
    } catch {
      // Fall through to the plain name.
    }
  }
  const plain = /filename="([^"]*)"/i.exec(disposition || "");
  return plain ? plain[1] : "";
}

// Saves a file the gateway answers with (google.api.HttpBody): fetched
// with the credential, which a plain link cannot send, then handed to the
// browser under the name the gateway gives. Errors are ApiErrors, as api's.
export async function download(path, query) {
  const response = await fetch(path + queryString(query), {
    headers: { Authorization: `Bearer ${credential()}` },
  });
  if (!response.ok) {
    const text = await response.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = { message: text };
    }
    throw new ApiError(response.status, json);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName(response.headers.get("Content-Disposition")) || "download";
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the file once the click is handled; the URL is
  // let go a minute later, so that a slow save still finds it.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
