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
