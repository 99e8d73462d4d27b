"""A thin Python client of the Chỉ tiêu gateway.

The messages and stubs are generated from proto/ by Debian's protoc and
grpc_python_plugin into build/gen/python (the build does it; nothing
generated is committed). This layer adds what every caller needs: a channel
with credentials (API key or JWT, optional TLS), a default deadline, retries
of UNAVAILABLE by gRPC's own retry policy, and readable errors with their
field violations.

    import chitieu_client
    client = chitieu_client.connect("127.0.0.1:7400", api_key="…")
    progress = client.reporting.GetProgress(
        chitieu_client.reporting_pb2.GetProgressRequest(unit="units/002", year=2013))
"""

import json
import os
import pathlib
import sys

try:
    from chitieu.registry.v1 import registry_pb2  # noqa: F401
except ImportError:  # Not on the path yet: use the build's generated modules.
    _GEN = pathlib.Path(os.environ.get(
        "CHITIEU_PYTHON_GEN",
        pathlib.Path(__file__).resolve().parents[3] / "build" / "gen" / "python"))
    sys.path.insert(0, str(_GEN))

import grpc  # noqa: E402
from chitieu.gateway.v1 import gateway_pb2, gateway_pb2_grpc  # noqa: E402,F401
from chitieu.quota.v1 import quota_pb2, quota_pb2_grpc  # noqa: E402,F401
from chitieu.registry.v1 import registry_pb2, registry_pb2_grpc  # noqa: E402,F401
from chitieu.reporting.v1 import reporting_pb2, reporting_pb2_grpc  # noqa: E402,F401
from chitieu.type.v1 import types_pb2  # noqa: E402,F401
from google.rpc import error_details_pb2, status_pb2  # noqa: E402

__all__ = ["connect", "Client", "ApiError", "gateway_pb2", "quota_pb2", "registry_pb2",
           "reporting_pb2", "types_pb2"]

# gRPC retries a call that failed UNAVAILABLE (a service restarting) up to 4
# times with backoff. Reads are safe to retry; writes carry a request_id, so
# a retried write is applied once.
_SERVICE_CONFIG = json.dumps({
    "methodConfig": [{
        "name": [{"service": "chitieu.registry.v1.RegistryService"},
                 {"service": "chitieu.quota.v1.QuotaService"},
                 {"service": "chitieu.reporting.v1.ReportingService"},
                 {"service": "chitieu.gateway.v1.GatewayService"}],
        "retryPolicy": {
            "maxAttempts": 4,
            "initialBackoff": "0.1s",
            "maxBackoff": "2s",
            "backoffMultiplier": 2,
            "retryableStatusCodes": ["UNAVAILABLE"],
        },
    }]
})


class ApiError(Exception):
    """A failed call: its gRPC code, message and field violations."""

    def __init__(self, error: grpc.RpcError):
        self.code = error.code()
        self.message = error.details()
        self.field_violations = []
        self.reason = ""
        for key, value in error.trailing_metadata() or ():
            if key != "grpc-status-details-bin":
                continue
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                bad = error_details_pb2.BadRequest()
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(bad):
                    self.field_violations += [(v.field, v.description) for v in bad.field_violations]
                elif detail.Unpack(info):
                    self.reason = info.reason
        super().__init__(str(self))

    def __str__(self):
        lines = [f"{self.code.name}: {self.message}"]
        lines += [f"  {field}: {description}" for field, description in self.field_violations]
        return "\n".join(lines)


class _Stub:
    """A generated stub whose unary calls carry the credentials and a
    deadline, and raise ApiError."""

    def __init__(self, stub, metadata, timeout):
        self._stub, self._metadata, self._timeout = stub, metadata, timeout

    def __getattr__(self, name):
        method = getattr(self._stub, name)

        def call(request, timeout=None, **kwargs):
            try:
                return method(request, metadata=self._metadata,
                              timeout=timeout or self._timeout, **kwargs)
            except grpc.RpcError as error:
                raise ApiError(error) from None

        return call


class Client:
    def __init__(self, channel, credential, timeout):
        metadata = (("authorization", f"Bearer {credential}"),) if credential else ()
        self.channel = channel
        self.registry = _Stub(registry_pb2_grpc.RegistryServiceStub(channel), metadata, timeout)
        self.quota = _Stub(quota_pb2_grpc.QuotaServiceStub(channel), metadata, timeout)
        self.reporting = _Stub(reporting_pb2_grpc.ReportingServiceStub(channel), metadata, timeout)
        self.gateway = _Stub(gateway_pb2_grpc.GatewayServiceStub(channel), metadata, timeout)

    def close(self):
        self.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def connect(address=None, api_key=None, ca_file=None, timeout=10.0):
    """A client of the gateway at `address` (default CHITIEU_ADDR, else
    127.0.0.1:7400) with an API key or JWT (default CHITIEU_API_KEY). With
    `ca_file` the channel uses TLS verified against it."""
    address = address or os.environ.get("CHITIEU_ADDR", "127.0.0.1:7400")
    credential = api_key if api_key is not None else os.environ.get("CHITIEU_API_KEY", "")
    options = [("grpc.service_config", _SERVICE_CONFIG), ("grpc.enable_retries", 1)]
    if ca_file:
        with open(ca_file, "rb") as f:
            channel = grpc.secure_channel(address, grpc.ssl_channel_credentials(f.read()), options)
    else:
        channel = grpc.insecure_channel(address, options)
    return Client(channel, credential, timeout)
