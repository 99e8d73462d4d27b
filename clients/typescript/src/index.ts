// A thin TypeScript client of the Chỉ tiêu gateway. Messages and service
// clients are generated from proto/ by ts-proto (src/gen, never committed)
// for @grpc/grpc-js; this layer adds one channel with credentials (API key
// or JWT, optional TLS), gRPC's own retry policy for UNAVAILABLE, promise
// calls with a default deadline, and ApiError with the field violations.
import * as grpc from "@grpc/grpc-js";
import { readFileSync } from "node:fs";

import { GatewayServiceClient } from "./gen/chitieu/gateway/v1/gateway";
import { QuotaServiceClient } from "./gen/chitieu/quota/v1/quota";
import { RegistryServiceClient } from "./gen/chitieu/registry/v1/registry";
import { ReportingServiceClient } from "./gen/chitieu/reporting/v1/reporting";
import { BadRequest, ErrorInfo } from "./gen/google/rpc/error_details";
import { Status } from "./gen/google/rpc/status";

export * as gateway from "./gen/chitieu/gateway/v1/gateway";
export * as quota from "./gen/chitieu/quota/v1/quota";
export * as registry from "./gen/chitieu/registry/v1/registry";
export * as reporting from "./gen/chitieu/reporting/v1/reporting";
export * as types from "./gen/chitieu/type/v1/types";

export interface ConnectOptions {
  /** host:port of the gateway; default CHITIEU_ADDR, else 127.0.0.1:7400. */
  address?: string;
  /** An API key or a JWT; default CHITIEU_API_KEY. */
  credential?: string;
  /** PEM file of the CA to verify the gateway's TLS certificate by. */
  caFile?: string;
  /** Deadline of each call; default 10 s. */
  timeoutMs?: number;
}

export interface FieldViolation {
  field: string;
  description: string;
}

/** A failed call: its gRPC code, message, field violations and reason. */
export class ApiError extends Error {
  readonly code: grpc.status;
  readonly fieldViolations: FieldViolation[] = [];
  readonly reason: string = "";

  constructor(error: grpc.ServiceError) {
    super(`${grpc.status[error.code]}: ${error.details}`);
    this.code = error.code;
    for (const value of error.metadata?.get("grpc-status-details-bin") ?? []) {
      const status = Status.decode(typeof value === "string" ? Buffer.from(value) : value);
      for (const detail of status.details) {
        if (detail.typeUrl.endsWith("/google.rpc.BadRequest")) {
          this.fieldViolations.push(...BadRequest.decode(detail.value).fieldViolations);
        } else if (detail.typeUrl.endsWith("/google.rpc.ErrorInfo")) {
          this.reason = ErrorInfo.decode(detail.value).reason;
        }
      }
    }
    const lines = this.fieldViolations.map((v) => `  ${v.field}: ${v.description}`);
    if (lines.length > 0) this.message += "\n" + lines.join("\n");
  }
}

type Callback<Res> = (error: grpc.ServiceError | null, response: Res) => void;
type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: Callback<Res>,
) => grpc.ClientUnaryCall;

// gRPC retries a call that failed UNAVAILABLE (a service restarting) up to 4
// times with backoff. Reads are safe to retry; writes carry a request_id, so
// a retried write is applied once.
const SERVICE_CONFIG = JSON.stringify({
  methodConfig: [
    {
      name: [
        { service: "chitieu.registry.v1.RegistryService" },
        { service: "chitieu.quota.v1.QuotaService" },
        { service: "chitieu.reporting.v1.ReportingService" },
        { service: "chitieu.gateway.v1.GatewayService" },
      ],
      retryPolicy: {
        maxAttempts: 4,
        initialBackoff: "0.1s",
        maxBackoff: "2s",
        backoffMultiplier: 2,
        retryableStatusCodes: ["UNAVAILABLE"],
      },
    },
  ],
});

export class Chitieu {
  readonly registry: RegistryServiceClient;
  readonly quota: QuotaServiceClient;
  readonly reporting: ReportingServiceClient;
  readonly gateway: GatewayServiceClient;
  private readonly timeoutMs: number;

  constructor(options: ConnectOptions = {}) {
    const address = options.address ?? process.env.CHITIEU_ADDR ?? "127.0.0.1:7400";
    const credential = options.credential ?? process.env.CHITIEU_API_KEY ?? "";
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const channelCredentials = options.caFile
      ? grpc.credentials.createSsl(readFileSync(options.caFile))
      : grpc.credentials.createInsecure();
    const authorize: grpc.Interceptor = (callOptions, nextCall) =>
      new grpc.InterceptingCall(nextCall(callOptions), {
        start(metadata, listener, next) {
          if (credential) metadata.set("authorization", `Bearer ${credential}`);
          next(metadata, listener);
        },
      });
    const channel = new grpc.Channel(address, channelCredentials, {
      "grpc.service_config": SERVICE_CONFIG,
    });
    const clientOptions: Partial<grpc.ClientOptions> = {
      channelOverride: channel,
      interceptors: [authorize],
    };
    this.registry = new RegistryServiceClient(address, channelCredentials, clientOptions);
    this.quota = new QuotaServiceClient(address, channelCredentials, clientOptions);
    this.reporting = new ReportingServiceClient(address, channelCredentials, clientOptions);
    this.gateway = new GatewayServiceClient(address, channelCredentials, clientOptions);
  }

  /**
   * Calls a unary method of one of the clients with the default deadline:
   *   await chitieu.call(chitieu.reporting, chitieu.reporting.getProgress, {unit, year})
   * Rejects with ApiError.
   */
  call<C extends grpc.Client, Req, Res>(
    client: C,
    method: UnaryMethod<Req, Res>,
    request: Req,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(
        client,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + this.timeoutMs },
        (error: grpc.ServiceError | null, response: Res) =>
          error ? reject(new ApiError(error)) : resolve(response),
      );
    });
  }

  close(): void {
    this.registry.close();
    this.quota.close();
    this.reporting.close();
    this.gateway.close();
  }
}

export function connect(options: ConnectOptions = {}): Chitieu {
  return new Chitieu(options);
}
