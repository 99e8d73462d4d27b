// The Chỉ tiêu gateway over HTTP/JSON: typed calls made from the gateway's
// OpenAPI document alone. src/gen/schema.d.ts is generated from it by
// openapi-typescript (never committed; the build makes it from what
// `chitieu-openapi` prints), and openapi-fetch sends the requests. Nothing
// here knows the API's routes by hand.
import createClient from "openapi-fetch";

import type { components, paths } from "./gen/schema";

export type { components, paths };
export type Schemas = components["schemas"];
export type Status = Schemas["google.rpc.Status"];

export interface FieldViolation {
  field: string;
  description: string;
}

const BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest";

// google/rpc/code.proto's names, by number.
const CODE_NAMES = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
  "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
  "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
];

export function codeName(code: number): string {
  return CODE_NAMES[code] ?? `CODE_${code}`;
}

// An error answer: the HTTP status and the google.rpc.Status the gateway
// sent, with a BadRequest's field violations (AIP-193) read out of it.
export class ApiError extends Error {
  readonly httpStatus: number;
  readonly status: Status;
  readonly fieldViolations: FieldViolation[];

  constructor(httpStatus: number, status: Status) {
    const violations: FieldViolation[] = [];
    for (const detail of status.details ?? []) {
      if (detail["@type"] === BAD_REQUEST && Array.isArray(detail.fieldViolations)) {
        for (const v of detail.fieldViolations as FieldViolation[]) {
          violations.push({ field: v.field, description: v.description });
        }
      }
    }
    const named = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
    super(`HTTP ${httpStatus} ${codeName(status.code ?? 2)}: ${status.message ?? ""}${named ? ` [${named}]` : ""}`);
    this.httpStatus = httpStatus;
    this.status = status;
    this.fieldViolations = violations;
  }

  // The gRPC code (google/rpc/code.proto), e.g. 7 for PERMISSION_DENIED.
  get code(): number {
    return this.status.code ?? 2;
  }
}

export interface Options {
  // "http://host:port"; CHITIEU_HTTP_URL, else http://127.0.0.1:8080.
  baseUrl?: string;
  // An API key or token; CHITIEU_API_KEY by default.
  credential?: string;
}

export function connect(options: Options = {}) {
  const baseUrl = options.baseUrl ?? process.env.CHITIEU_HTTP_URL ?? "http://127.0.0.1:8080";
  const credential = options.credential ?? process.env.CHITIEU_API_KEY ?? "";
  return createClient<paths>({
    baseUrl,
    headers: credential ? { Authorization: `Bearer ${credential}` } : {},
  });
}

// The answer's data, or an ApiError carrying the google.rpc.Status.
export async function ok<T>(
  answer: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await answer;
  if (!response.ok) {
    const status = (typeof error === "object" && error !== null ? error : {}) as Status;
    throw new ApiError(response.status, status);
  }
  return data as T;
}
