#pragma once

// The OpenAPI 3 document of the gateway's HTTP/JSON routes, made from the
// same google.api.http rules the transcoder routes by, so that what it
// documents is what is served. Clients are generated from it (see
// clients/http-typescript), so:
//  - every method has one operation, its operationId "Service_Method";
//  - path templates are expanded: "/v1/{name=units/*/targets/*}" is
//    documented as "/v1/units/{unit}/targets/{target}", each variable named
//    as the resource's pattern (google.api.resource) names it and
//    constrained to one path segment;
//  - the request's other fields are query parameters (JSON names; a
//    FieldMask is a comma-separated list);
//  - summaries and descriptions are the protos' comments, which the binary
//    carries (chitieu_source_info, built by proto/CMakeLists.txt);
//  - errors (4XX and 5XX) are google.rpc.Status JSON.

#include <string>

#include "services/gateway/transcoder.h"

namespace chitieu::gateway {

// The document, as JSON text (pretty-printed, one space an indent, a
// newline at the end).
std::string OpenApiJson(const Transcoder& transcoder);

// A route's path template as OpenAPI writes it:
// "/v1/{name=enterprises/*/organizations/*}:dissolve" →
// "/v1/enterprises/{enterprise}/organizations/{organization}:dissolve".
std::string OpenApiPath(const Route& route);

}  // namespace chitieu::gateway
