#pragma once

// Page tokens as callers see them. A list's own token (page_token.h) says
// where the next page starts; before it leaves the service it is sealed:
// an HMAC-SHA256, under the deployment's page-token key, over the token,
// the caller's principal, the method and every other field of the request.
// A token that was forged, edited, made for another caller or for another
// query is INVALID_ARGUMENT on `page_token`.
//
// The key is --page_token_key (or CHITIEU_PAGE_TOKEN_KEY), the same on
// every replica of a service; --page_token_previous_key (or
// CHITIEU_PAGE_TOKEN_PREVIOUS_KEY) is still accepted while a new key is
// rolled out. Without one, a process makes a random key of its own (its
// tokens then last as long as it runs); ./scripts/up makes one per stack.

#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

ABSL_DECLARE_FLAG(std::string, page_token_key);
ABSL_DECLARE_FLAG(std::string, page_token_previous_key);

namespace chitieu {

// What a token is bound to: the principal, the method, and the request
// with its page_token and page_size cleared.
std::string PageTokenBinding(absl::string_view principal, absl::string_view method,
                             const google::protobuf::Message& request);

std::string SealPageToken(absl::string_view token, absl::string_view binding);

// The list's own token; "" for an empty one.
absl::StatusOr<std::string> UnsealPageToken(absl::string_view sealed, absl::string_view binding);

// For a request with a `page_token` field: a copy with the token unsealed
// (nullptr if the request has no token to unseal).
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> UnsealRequest(
    absl::string_view binding, const google::protobuf::Message& request);

// Seals a response's `next_page_token`, if it has one.
void SealResponse(absl::string_view binding, google::protobuf::Message* response);

}  // namespace chitieu
