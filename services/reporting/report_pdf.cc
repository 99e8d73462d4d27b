// The year-end report as a PDF (report_pdf.h).

#include "services/reporting/report_pdf.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace chitieu::reporting {
namespace {

constexpr double kMm = 72.0 / 25.4;  // Points per millimetre.
constexpr double kPageWidth = 210 * kMm;
constexpr double kPageHeight = 297 * kMm;
// The margins of an official document: 30 mm left (for binding), 15 mm
// right, 20 mm top and bottom.
constexpr double kLeft = 30 * kMm;
constexpr double kRight = 15 * kMm;
constexpr double kTop = 20 * kMm;
constexpr double kBottom = 20 * kMm;
constexpr double kWidth = kPageWidth - kLeft - kRight;
constexpr double kPad = 3;  // Inside a table cell, in points.

constexpr const char* kFamily = "DejaVu Serif";

absl::Mutex render_mutex(absl::kConstInit);

// Created once (fontconfig's scan is slow) and used under render_mutex.
PangoFontMap* Fonts() ABSL_EXCLUSIVE_LOCKS_REQUIRED(render_mutex) {
  static PangoFontMap* fonts = pango_cairo_font_map_new();
  return fonts;
}

struct GObjectUnref {
  void operator()(gpointer p) const { g_object_unref(p); }
};
using Layout = std::unique_ptr<PangoLayout, GObjectUnref>;

// A font: DejaVu Serif at `size` points, bold and italic as asked.
struct Font {
  double size = 11;
  bool bold = false;
  bool italic = false;
};

cairo_status_t AppendTo(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// Draws down the pages: keeps the pen's height, starts a new page (with
// its number at the foot) when what comes next does not fit.
class Pen {
 public:
  Pen(cairo_t* cr, PangoContext* context) : cr_(cr), context_(context) {}

  // `text` laid out `width` points wide (wrapped at words, or anywhere in
  // a word longer than the width), aligned as asked.
  Layout Text(const std::string& text, Font font, double width,
              PangoAlignment align = PANGO_ALIGN_LEFT) const {
    Layout layout(pango_layout_new(context_));
    PangoFontDescription* description = pango_font_description_new();
    pango_font_description_set_family(description, kFamily);
    pango_font_description_set_absolute_size(description, font.size * PANGO_SCALE);
    pango_font_description_set_weight(description,
                                      font.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_style(description,
                                     font.italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
    pango_layout_set_font_description(layout.get(), description);
    pango_font_description_free(description);
    if (width > 0) {
      pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
      pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_alignment(layout.get(), align);
    pango_layout_set_text(layout.get(), text.data(), static_cast<int>(text.size()));
    return layout;
  }

  static double Height(const Layout& layout) {
    int w = 0;
    int h = 0;
    pango_layout_get_size(layout.get(), &w, &h);
    return static_cast<double>(h) / PANGO_SCALE;
  }
  static double Width(const Layout& layout) {
    int w = 0;
    int h = 0;
    pango_layout_get_size(layout.get(), &w, &h);
    return static_cast<double>(w) / PANGO_SCALE;
  }

  void Draw(const Layout& layout, double x, double y) {
    cairo_move_to(cr_, x, y);
    pango_cairo_show_layout(cr_, layout.get());
  }

  // A paragraph across the text width, then `after` points of space.
  void Paragraph(const std::string& text, Font font, PangoAlignment align = PANGO_ALIGN_LEFT,
                 double after = 4) {
    Layout layout = Text(text, font, kWidth, align);
    Room(Height(layout));
    Draw(layout, kLeft, y_);
    y_ += Height(layout) + after;
  }

  // Starts a new page unless `height` more points fit on this one.
  void Room(double height) {
    if (y_ + height > kPageHeight - kBottom) {
      NewPage();
    }
  }

  void NewPage() {
    Foot();
    cairo_show_page(cr_);
    ++page_;
    y_ = kTop;
  }

  // Ends the last page.
  void Finish() { Foot(); }

  double y() const { return y_; }
  void Down(double points) { y_ += points; }
  cairo_t* cr() { return cr_; }

 private:
  void Foot() {
    Layout number = Text(absl::StrCat("Trang ", page_), Font{9}, kWidth, PANGO_ALIGN_CENTER);
    Draw(number, kLeft, kPageHeight - kBottom + 4 * kMm);
  }

  cairo_t* cr_;
  PangoContext* context_;
  double y_ = kTop;
  int page_ = 1;
};

// The unit and the number on the left; the Party's name, underlined, and
// the place and date on the right.
void DrawHeader(Pen& pen, const YearEndContent& c) {
  const double left_width = kWidth * 0.45;
  const double right_width = kWidth - left_width;
  gchar* valid = g_utf8_make_valid(c.unit_name.data(), static_cast<gssize>(c.unit_name.size()));
  gchar* upper = g_utf8_strup(valid, -1);
  g_free(valid);
  Layout unit = pen.Text(upper, Font{11, true}, left_width, PANGO_ALIGN_CENTER);
  g_free(upper);
  Layout star = pen.Text("*", Font{11}, left_width, PANGO_ALIGN_CENTER);
  Layout number = pen.Text("Số:       -BC", Font{11}, left_width, PANGO_ALIGN_CENTER);
  Layout party =
      pen.Text("ĐẢNG CỘNG SẢN VIỆT NAM", Font{11, true}, right_width, PANGO_ALIGN_CENTER);
  std::string date = "Hà Nội, ngày      tháng      năm        ";
  if (!c.approved_on.empty()) {
    std::vector<std::string> dmy = absl::StrSplit(c.approved_on, '/');
    if (dmy.size() == 3) {
      date = absl::StrCat("Hà Nội, ngày ", dmy[0], " tháng ", dmy[1], " năm ", dmy[2]);
    }
  }
  Layout place = pen.Text(date, Font{11, false, true}, right_width, PANGO_ALIGN_CENTER);

  double y = pen.y();
  pen.Draw(unit, kLeft, y);
  const double left_y = y + Pen::Height(unit);
  pen.Draw(star, kLeft, left_y);
  pen.Draw(number, kLeft, left_y + Pen::Height(star) + 2);

  pen.Draw(party, kLeft + left_width, y);
  const double party_bottom = y + Pen::Height(party) + 1;
  const double line = 60 * kMm;
  cairo_set_line_width(pen.cr(), 0.6);
  cairo_move_to(pen.cr(), kLeft + left_width + (right_width - line) / 2, party_bottom);
  cairo_rel_line_to(pen.cr(), line, 0);
  cairo_stroke(pen.cr());
  pen.Draw(place, kLeft + left_width, party_bottom + 8);
  const double bottom = std::max(left_y + Pen::Height(star) + 2 + Pen::Height(number),
                                 party_bottom + 8 + Pen::Height(place));
  pen.Down(bottom - y + 18);
}

// The approval stamp, boxed; or a line saying the figures are provisional.
void DrawStamp(Pen& pen, const YearEndContent& c) {
  if (c.stamp.empty()) {
    pen.Paragraph("(Số liệu tạm tính: báo cáo năm chưa được phê duyệt.)", Font{10, false, true},
                  PANGO_ALIGN_CENTER, 10);
    return;
  }
  std::vector<Layout> lines;
  lines.push_back(pen.Text("SỐ LIỆU ĐÃ ĐƯỢC PHÊ DUYỆT", Font{11, true}, kWidth - 4 * kPad));
  for (const std::string& line : c.stamp) {
    lines.push_back(pen.Text(line, Font{10}, kWidth - 4 * kPad));
  }
  lines.push_back(
      pen.Text(absl::StrCat("Mã băm nội dung: ", c.content_hash), Font{8}, kWidth - 4 * kPad));
  double height = 4 * kPad;
  for (const Layout& l : lines) {
    height += Pen::Height(l) + 1;
  }
  pen.Room(height);
  const double top = pen.y();
  double y = top + 2 * kPad;
  for (const Layout& l : lines) {
    pen.Draw(l, kLeft + 2 * kPad, y);
    y += Pen::Height(l) + 1;
  }
  cairo_set_line_width(pen.cr(), 1.5);
  cairo_rectangle(pen.cr(), kLeft, top, kWidth, height);
  cairo_stroke(pen.cr());
  pen.Down(height + 10);
}

// Column widths across the text width. Each column gets at least its
// longest word (heading or cell), so that no word is broken; what is left
// goes in proportion to what each would take unwrapped (its longest line,
// half its heading).
std::vector<double> ColumnWidths(Pen& pen, const DocumentTable& t) {
  const size_t n = t.columns.size();
  std::vector<double> least(n, 0);
  std::vector<double> natural(n, 0);
  auto width = [&pen](absl::string_view text, bool bold) {
    return Pen::Width(pen.Text(std::string(text), Font{10, bold}, 0));
  };
  for (size_t i = 0; i < n; ++i) {
    natural[i] = width(t.columns[i], true) / 2;
    for (absl::string_view word : absl::StrSplit(t.columns[i], ' ')) {
      least[i] = std::max(least[i], width(word, true));
    }
    for (const auto& row : t.rows) {
      if (i >= row.size()) {
        continue;
      }
      for (absl::string_view line : absl::StrSplit(row[i], '\n')) {
        natural[i] = std::max(natural[i], width(line, false));
        for (absl::string_view word : absl::StrSplit(line, ' ')) {
          least[i] = std::max(least[i], width(word, false));
        }
      }
    }
    least[i] += 2 * kPad;
    natural[i] = std::max(natural[i] + 2 * kPad, least[i]);
  }
  double least_sum = 0;
  double natural_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    least_sum += least[i];
    natural_sum += natural[i];
  }
  std::vector<double> widths(n, n == 0 ? 0 : kWidth / static_cast<double>(n));
  if (natural_sum <= kWidth && natural_sum > 0) {
    for (size_t i = 0; i < n; ++i) {
      widths[i] = natural[i] * kWidth / natural_sum;
    }
  } else if (least_sum < kWidth) {
    const double share = (kWidth - least_sum) / (natural_sum - least_sum);
    for (size_t i = 0; i < n; ++i) {
      widths[i] = least[i] + (natural[i] - least[i]) * share;
    }
  } else if (least_sum > 0) {
    for (size_t i = 0; i < n; ++i) {
      widths[i] = least[i] * kWidth / least_sum;
    }
  }
  return widths;
}

// One row of cells, bordered; `heading` rows are bold on grey.
double DrawRow(Pen& pen, const DocumentTable& t, const std::vector<std::string>& cells,
               const std::vector<double>& widths, bool heading) {
  std::vector<Layout> layouts;
  double height = 0;
  for (size_t i = 0; i < widths.size(); ++i) {
    const bool numeric = !heading && i < t.numeric.size() && t.numeric[i];
    layouts.push_back(pen.Text(i < cells.size() ? cells[i] : "", Font{10, heading},
                               widths[i] - 2 * kPad,
                               heading   ? PANGO_ALIGN_CENTER
                               : numeric ? PANGO_ALIGN_RIGHT
                                         : PANGO_ALIGN_LEFT));
    height = std::max(height, Pen::Height(layouts.back()) + 2 * kPad);
  }
  const double top = pen.y();
  double x = kLeft;
  cairo_set_line_width(pen.cr(), 0.6);
  for (size_t i = 0; i < widths.size(); ++i) {
    if (heading) {
      cairo_set_source_rgb(pen.cr(), 0.9, 0.9, 0.9);
      cairo_rectangle(pen.cr(), x, top, widths[i], height);
      cairo_fill(pen.cr());
      cairo_set_source_rgb(pen.cr(), 0, 0, 0);
    }
    pen.Draw(layouts[i], x + kPad, top + kPad);
    cairo_rectangle(pen.cr(), x, top, widths[i], height);
    cairo_stroke(pen.cr());
    x += widths[i];
  }
  pen.Down(height);
  return height;
}

// The height a row will take.
double RowHeight(Pen& pen, const DocumentTable& t, const std::vector<std::string>& cells,
                 const std::vector<double>& widths, bool heading) {
  double height = 0;
  for (size_t i = 0; i < widths.size(); ++i) {
    height = std::max(height, Pen::Height(pen.Text(i < cells.size() ? cells[i] : "",
                                                   Font{10, heading}, widths[i] - 2 * kPad)) +
                                  2 * kPad);
  }
  return height;
}

// A row's cells cut in two at half their lines (the first half, the rest);
// the rest is empty when no cell has more than one line.
std::pair<std::vector<std::string>, std::vector<std::string>> SplitRow(
    const std::vector<std::string>& row) {
  std::vector<std::string> first;
  std::vector<std::string> rest;
  bool split = false;
  for (const std::string& cell : row) {
    std::vector<absl::string_view> lines = absl::StrSplit(cell, '\n');
    const size_t half = (lines.size() + 1) / 2;
    first.push_back(absl::StrJoin(lines.begin(), lines.begin() + half, "\n"));
    rest.push_back(absl::StrJoin(lines.begin() + half, lines.end(), "\n"));
    split = split || lines.size() > 1;
  }
  if (!split) {
    return {row, {}};
  }
  return {first, rest};
}

// A section's heading and its table; across pages, the table's heading
// row is repeated, and a section's heading never ends a page.
void DrawTable(Pen& pen, const DocumentTable& t) {
  const std::vector<double> widths = ColumnWidths(pen, t);
  Layout heading = pen.Text(t.heading, Font{11, true}, kWidth);
  const double head_row = RowHeight(pen, t, t.columns, widths, true);
  const double first_row = t.rows.empty() ? 0 : RowHeight(pen, t, t.rows.front(), widths, false);
  const double room = kPageHeight - kBottom - kTop - head_row;
  pen.Room(Pen::Height(heading) + 6 + head_row + std::min(first_row, room));
  pen.Draw(heading, kLeft, pen.y());
  pen.Down(Pen::Height(heading) + 6);
  DrawRow(pen, t, t.columns, widths, true);
  // A row taller than a page under the heading row goes as several, its
  // cells' lines shared out, so that no line falls off a page.
  std::vector<std::vector<std::string>> rows(t.rows.rbegin(), t.rows.rend());
  while (!rows.empty()) {
    std::vector<std::string> row = std::move(rows.back());
    rows.pop_back();
    const double height = RowHeight(pen, t, row, widths, false);
    if (height > room) {
      auto [first, rest] = SplitRow(row);
      if (!rest.empty()) {
        rows.push_back(std::move(rest));
        rows.push_back(std::move(first));
        continue;
      }
    }
    if (pen.y() + height > kPageHeight - kBottom) {
      pen.NewPage();
      DrawRow(pen, t, t.columns, widths, true);
    }
    DrawRow(pen, t, row, widths, false);
  }
  pen.Down(14);
}

// The recipients on the left; on the right, who signs for the unit, with
// room for the signature and the seal, and the approver's name if any.
void DrawSignature(Pen& pen, const YearEndContent& c) {
  const double half = kWidth / 2;
  Layout recipients_title = pen.Text("Nơi nhận:", Font{10, true, true}, half);
  Layout recipients =
      pen.Text("- Ban Thường vụ cấp trên (để báo cáo),\n- Các đơn vị trực thuộc,\n- Lưu văn phòng.",
               Font{9}, half);
  Layout on_behalf = pen.Text("T/M BAN THƯỜNG VỤ", Font{11, true}, half, PANGO_ALIGN_CENTER);
  Layout note =
      pen.Text("(Ký, ghi rõ họ tên và đóng dấu)", Font{10, false, true}, half, PANGO_ALIGN_CENTER);
  const double room = 28 * kMm;
  Layout approver =
      pen.Text(c.approved_by.empty() ? std::string()
                                     : absl::StrCat("Người phê duyệt số liệu: ", c.approved_by),
               Font{9, false, true}, half, PANGO_ALIGN_CENTER);
  const double height =
      std::max(Pen::Height(recipients_title) + Pen::Height(recipients),
               Pen::Height(on_behalf) + Pen::Height(note) + room + Pen::Height(approver));
  pen.Room(height);
  const double top = pen.y();
  pen.Draw(recipients_title, kLeft, top);
  pen.Draw(recipients, kLeft, top + Pen::Height(recipients_title));
  pen.Draw(on_behalf, kLeft + half, top);
  pen.Draw(note, kLeft + half, top + Pen::Height(on_behalf));
  pen.Draw(approver, kLeft + half, top + Pen::Height(on_behalf) + Pen::Height(note) + room);
  pen.Down(height);
}

}  // namespace

absl::StatusOr<std::string> YearEndPdf(const YearEndContent& c) {
  absl::MutexLock lock(&render_mutex);
  std::string pdf;
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(AppendTo, &pdf, kPageWidth, kPageHeight);
  const std::string title = absl::StrCat(c.title, " – ", c.unit_name);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, c.unit_name.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Chỉ tiêu");
  cairo_t* cr = cairo_create(surface);
  PangoContext* context = pango_font_map_create_context(Fonts());
  pango_cairo_context_set_resolution(context, 72);  // A point is a PDF unit.
  pango_cairo_update_context(cr, context);
  {
    Pen pen(cr, context);
    DrawHeader(pen, c);
    pen.Paragraph("BÁO CÁO", Font{14, true}, PANGO_ALIGN_CENTER, 2);
    pen.Paragraph(c.subject, Font{12, true}, PANGO_ALIGN_CENTER, 14);
    DrawStamp(pen, c);
    for (const DocumentTable& t : c.tables) {
      DrawTable(pen, t);
    }
    pen.Down(6);
    DrawSignature(pen, c);
    pen.Finish();
  }
  g_object_unref(context);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(
        absl::StrCat("cannot write the PDF: ", cairo_status_to_string(status)));
  }
  return pdf;
}

}  // namespace chitieu::reporting
