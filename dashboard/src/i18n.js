// Labels in Vietnamese (the default) and English; the choice is kept in
// localStorage.
const STRINGS = {
  vi: {
    toggle: "English",
    signIn: "Đăng nhập",
    signOut: "Đăng xuất",
    credential: "Khóa API hoặc JWT",
    credentialHint: "Dán khóa API hoặc mã JWT do quản trị viên cấp.",
    signInFailed: "Không đăng nhập được",
    overview: "Toàn thành phố",
    year: "Năm",
    unit: "Đơn vị",
    open: "Xem",
    progressByUnit: "Tiến độ theo đơn vị",
    target: "Chỉ tiêu",
    achieved: "Đạt",
    difference: "Chênh lệch",
    status: "Tình trạng",
    ranking: "Xếp hạng",
    rank: "Hạng",
    behind: "Chưa đạt chỉ tiêu",
    nobodyBehind: "Không có đơn vị nào chưa đạt.",
    indicator: "Chỉ tiêu",
    yearTable: "Kết quả năm",
    yearOverYear: "So sánh các năm",
    byBody: "Theo cấp ủy, tổ chức chủ quản",
    byChild: "Theo đơn vị trực thuộc",
    statusSummary: "Tình trạng doanh nghiệp",
    total: "Tổng",
    candidates: "Doanh nghiệp đủ điều kiện thành lập tổ chức Đảng",
    fostering: "Doanh nghiệp cần tạo nguồn đảng viên",
    enterprise: "Doanh nghiệp",
    members: "Đảng viên / Công đoàn / Đoàn viên",
    next: "Trang sau",
    first: "Trang đầu",
    none: "Không có.",
    registerOrg: "Ghi nhận tổ chức mới",
    kind: "Loại tổ chức",
    foundingDate: "Ngày thành lập",
    decision: "Số quyết định",
    body: "Cấp ủy quyết định",
    membersAtFounding: "Số thành viên khi thành lập",
    save: "Lưu",
    saved: "Đã lưu.",
    targets: "Chỉ tiêu được giao",
    setTarget: "Giao chỉ tiêu",
    reviseTarget: "Điều chỉnh chỉ tiêu",
    assigner: "Đơn vị giao",
    value: "Giá trị",
    reason: "Lý do",
    newValue: "Giá trị mới",
    loading: "Đang tải…",
    fixFields: "Vui lòng sửa các trường được đánh dấu.",
    lag: "Dữ liệu cập nhật đến",
    IND_1: "Tổ chức Đảng mới",
    IND_2: "Đảng viên mới kết nạp",
    IND_3: "Công đoàn mới",
    IND_4: "Đoàn Thanh niên mới",
    KIND_1: "Tổ chức Đảng",
    KIND_2: "Công đoàn",
    KIND_3: "Đoàn Thanh niên",
    PS_1: "Chưa giao chỉ tiêu",
    PS_2: "Chưa đạt",
    PS_3: "Đạt",
    PS_4: "Vượt",
    ES_0: "Chưa đăng ký",
    ES_1: "Đang hoạt động",
    ES_2: "Tạm ngừng kinh doanh",
    ES_3: "Không hoạt động tại địa chỉ đăng ký",
    ES_4: "Bị thu hồi giấy chứng nhận",
    ES_5: "Đang làm thủ tục giải thể",
    ES_6: "Đang làm thủ tục phá sản",
    ES_7: "Đã giải thể",
    ES_8: "Đã phá sản",
  },
  en: {
    toggle: "Tiếng Việt",
    signIn: "Sign in",
    signOut: "Sign out",
    credential: "API key or JWT",
    credentialHint: "Paste the API key or JWT your administrator issued.",
    signInFailed: "Could not sign in",
    overview: "Whole city",
    year: "Year",
    unit: "Unit",
    open: "Open",
    progressByUnit: "Progress by unit",
    target: "Target",
    achieved: "Achieved",
    difference: "Difference",
    status: "Status",
    ranking: "Ranking",
    rank: "Rank",
    behind: "Behind target",
    nobodyBehind: "No unit is behind.",
    indicator: "Indicator",
    yearTable: "The year's results",
    yearOverYear: "Year over year",
    byBody: "By supervising body",
    byChild: "By subordinate unit",
    statusSummary: "Enterprise status",
    total: "Total",
    candidates: "Enterprises eligible for a Party organization",
    fostering: "Enterprises to foster Party members in",
    enterprise: "Enterprise",
    members: "Party / union / youth members",
    next: "Next page",
    first: "First page",
    none: "None.",
    registerOrg: "Register a new organization",
    kind: "Kind",
    foundingDate: "Founding date",
    decision: "Decision number",
    body: "Founding body",
    membersAtFounding: "Members at founding",
    save: "Save",
    saved: "Saved.",
    targets: "Assigned targets",
    setTarget: "Set a target",
    reviseTarget: "Revise a target",
    assigner: "Assigned by",
    value: "Value",
    reason: "Reason",
    newValue: "New value",
    loading: "Loading…",
    fixFields: "Please correct the marked fields.",
    lag: "Data current to",
    IND_1: "New Party organizations",
    IND_2: "New Party members",
    IND_3: "New trade unions",
    IND_4: "New youth unions",
    KIND_1: "Party organization",
    KIND_2: "Trade union",
    KIND_3: "Youth union",
    PS_1: "No target",
    PS_2: "Not met",
    PS_3: "Met",
    PS_4: "Exceeded",
    ES_0: "Not yet registered",
    ES_1: "Active",
    ES_2: "Suspended",
    ES_3: "Not at registered address",
    ES_4: "Registration revoked",
    ES_5: "Dissolution in progress",
    ES_6: "Bankruptcy in progress",
    ES_7: "Dissolved",
    ES_8: "Bankrupt",
  },
};

const ENUM_PREFIXES = {
  INDICATOR_: ["IND_", ["UNSPECIFIED", "NEW_PARTY_ORGANIZATIONS", "NEW_PARTY_MEMBERS", "NEW_TRADE_UNIONS", "NEW_YOUTH_UNIONS"]],
  ORGANIZATION_KIND_: ["KIND_", ["UNSPECIFIED", "PARTY", "TRADE_UNION", "YOUTH_UNION"]],
  PROGRESS_STATUS_: ["PS_", ["UNSPECIFIED", "NO_TARGET", "NOT_MET", "MET", "EXCEEDED"]],
  ENTERPRISE_STATUS_: ["ES_", ["UNSPECIFIED", "ACTIVE", "SUSPENDED", "NOT_AT_REGISTERED_ADDRESS",
    "REGISTRATION_REVOKED", "DISSOLUTION_IN_PROGRESS", "BANKRUPTCY_IN_PROGRESS", "DISSOLVED", "BANKRUPT"]],
};

let lang = localStorage.getItem("chitieu.lang") === "en" ? "en" : "vi";

export function t(key) {
  return STRINGS[lang][key] ?? STRINGS.vi[key] ?? key;
}

// The label of a proto enum value as the JSON API spells it
// ("PROGRESS_STATUS_MET").
export function tEnum(value) {
  for (const [prefix, [key, names]] of Object.entries(ENUM_PREFIXES)) {
    if (typeof value === "string" && value.startsWith(prefix)) {
      return t(key + names.indexOf(value.slice(prefix.length)));
    }
  }
  return String(value);
}

export function language() {
  return lang;
}

export function toggleLanguage() {
  lang = lang === "vi" ? "en" : "vi";
  localStorage.setItem("chitieu.lang", lang);
  document.documentElement.lang = lang;
}

export const INDICATORS = ["INDICATOR_NEW_PARTY_ORGANIZATIONS", "INDICATOR_NEW_PARTY_MEMBERS",
  "INDICATOR_NEW_TRADE_UNIONS", "INDICATOR_NEW_YOUTH_UNIONS"];
export const KINDS = ["ORGANIZATION_KIND_PARTY", "ORGANIZATION_KIND_TRADE_UNION", "ORGANIZATION_KIND_YOUTH_UNION"];
