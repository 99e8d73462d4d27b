// The parser of the AIP-160 filter subset every List method takes (filter.h).

#include "libs/common/filter.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/common/errors.h"

namespace chitieu {
namespace {

constexpr size_t kMaxFilterBytes = 2048;
constexpr size_t kMaxTerms = 16;

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

class Parser {
 public:
  Parser(absl::string_view text, absl::string_view field_path)
      : text_(text), field_path_(field_path) {}

  absl::StatusOr<std::vector<FilterTerm>> Parse() {
    std::vector<FilterTerm> terms;
    SkipSpace();
    if (pos_ == text_.size()) {
      return terms;
    }
    while (true) {
      FilterTerm term;
      SkipSpace();
      size_t start = pos_;
      while (pos_ < text_.size() && (IsWordChar(text_[pos_]))) {
        ++pos_;
      }
      if (start == pos_) {
        return Error("expected a field name");
      }
      term.field = std::string(text_.substr(start, pos_ - start));
      SkipSpace();
      if (Consume("!=")) {
        term.op = "!=";
      } else if (Consume("=")) {
        term.op = "=";
      } else {
        return Error("expected = or != after the field name");
      }
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == '"') {
        ++pos_;
        bool closed = false;
        while (pos_ < text_.size()) {
          char c = text_[pos_++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (pos_ == text_.size()) {
              break;
            }
            c = text_[pos_++];
            if (c != '"' && c != '\\') {
              return Error("only \\\" and \\\\ escapes are allowed");
            }
          }
          term.value.push_back(c);
        }
        if (!closed) {
          return Error("unterminated string");
        }
      } else {
        size_t vstart = pos_;
        while (pos_ < text_.size() && IsWordChar(text_[pos_])) {
          ++pos_;
        }
        if (vstart == pos_) {
          return Error("expected a value");
        }
        term.value = std::string(text_.substr(vstart, pos_ - vstart));
      }
      terms.push_back(std::move(term));
      if (terms.size() > kMaxTerms) {
        return Error("too many terms");
      }
      SkipSpace();
      if (pos_ == text_.size()) {
        return terms;
      }
      if (!ConsumeKeyword("AND")) {
        return Error("expected AND between terms (OR and parentheses are not supported)");
      }
    }
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool Consume(absl::string_view s) {
    if (text_.substr(pos_, s.size()) == s) {
      pos_ += s.size();
      return true;
    }
    return false;
  }
  bool ConsumeKeyword(absl::string_view s) {
    if (text_.substr(pos_, s.size()) == s &&
        (pos_ + s.size() == text_.size() || !IsWordChar(text_[pos_ + s.size()]))) {
      pos_ += s.size();
      return true;
    }
    return false;
  }
  absl::Status Error(absl::string_view what) {
    return InvalidField(std::string(field_path_),
                        absl::StrCat("invalid filter at position ", pos_, ": ", what));
  }

  absl::string_view text_;
  absl::string_view field_path_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<FilterTerm>> ParseFilter(absl::string_view filter,
                                                    absl::string_view field_path) {
  if (filter.size() > kMaxFilterBytes) {
    return InvalidField(std::string(field_path), "is longer than 2048 bytes");
  }
  return Parser(filter, field_path).Parse();
}

absl::StatusOr<bool> FilterBool(const FilterTerm& term, absl::string_view field_path) {
  if (term.value == "true") {
    return true;
  }
  if (term.value == "false") {
    return false;
  }
  return InvalidField(std::string(field_path), absl::StrCat(term.field, " takes true or false"));
}

}  // namespace chitieu
