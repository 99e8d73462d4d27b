// The conformance scenario of the other clients (clients/typescript/test),
// over HTTP/JSON with the client generated from the OpenAPI document, and
// the HTTP conventions of AIP-134 (a PATCH's mask from its body, masks in
// lowerCamel). tests/clients_e2e_test.cc starts the stack and sets
// CHITIEU_HTTP_URL, the keys, CHITIEU_TEST_ENTERPRISE and CHITIEU_TEST_YEAR.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ApiError, connect, ok, type Schemas } from "../src";

const CODE = process.env.CHITIEU_TEST_ENTERPRISE ?? "";
const YEAR = Number(process.env.CHITIEU_TEST_YEAR ?? "0");

type Progress = Schemas["chitieu.reporting.v1.Progress"];

function tradeUnions(progress: Progress) {
  const row = (progress.indicators ?? []).find((r) => r.indicator === "INDICATOR_NEW_TRADE_UNIONS");
  assert.ok(row, "no trade-union row");
  return row;
}

describe("conformance over HTTP/JSON", { skip: !CODE || !YEAR ? "needs the live stack" : false }, () => {
  it("creates, updates by the body's fields, founds, sets a target, sees progress move, reports, and reads errors", async () => {
    const chitieu = connect();
    const created = await ok(chitieu.POST("/v1/enterprises", {
      params: { query: { requestId: `http-${CODE}` } },
      body: {
        enterpriseCode: CODE,
        displayName: "Công ty HTTP",
        legalForm: "LEGAL_FORM_SINGLE_MEMBER_LLC",
        sector: "SECTOR_NON_STATE",
        seatUnit: "units/00037",
        registrationDate: `${YEAR - 1}-01-15`,
      },
    }));
    assert.equal(created.name, `enterprises/${CODE}`);
    const enterprise = { params: { path: { enterprise: CODE } } };

    // No update mask: the fields present in the body are the mask.
    const renamed = await ok(chitieu.PATCH("/v1/enterprises/{enterprise}", {
      ...enterprise,
      body: { displayName: "Công ty HTTP Việt Nam" },
    }));
    assert.equal(renamed.displayName, "Công ty HTTP Việt Nam");
    assert.equal(renamed.legalForm, "LEGAL_FORM_SINGLE_MEMBER_LLC");
    assert.equal(renamed.seatUnit, "units/00037");

    // A mask in lowerCamel, as proto3 JSON spells it: only what it names.
    const masked = await ok(chitieu.PATCH("/v1/enterprises/{enterprise}", {
      params: { path: { enterprise: CODE }, query: { updateMask: "seatUnit" } },
      body: { seatUnit: "units/00040", displayName: "" },
    }));
    assert.equal(masked.seatUnit, "units/00040");
    assert.equal(masked.displayName, "Công ty HTTP Việt Nam");

    // The resource as read, sent back with one change: what cannot be
    // changed (name, etag, output-only and immutable fields) is no part of
    // the mask.
    const read = await ok(chitieu.GET("/v1/enterprises/{enterprise}", enterprise));
    const sentBack = await ok(chitieu.PATCH("/v1/enterprises/{enterprise}", {
      ...enterprise,
      body: { ...read, seatUnit: "units/00037" },
    }));
    assert.equal(sentBack.seatUnit, "units/00037");
    assert.equal(sentBack.displayName, "Công ty HTTP Việt Nam");

    const target = await ok(chitieu.POST("/v1/units/{unit}/targets", {
      params: { path: { unit: "002" } },
      body: {
        year: YEAR,
        indicator: "INDICATOR_NEW_TRADE_UNIONS",
        assigner: "units/01",
        assignee: "units/002",
        value: 1,
      },
    }));
    assert.equal(target.value, 1);

    const progress = () =>
      ok(chitieu.GET("/v1/units/{unit}/progress", { params: { path: { unit: "002" }, query: { year: YEAR } } }));
    const waitFor = async (done: (p: Progress) => boolean) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const p = await progress();
        if (done(p) || Date.now() > deadline) return p;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const before = await waitFor((p) => tradeUnions(p).target === 1);
    assert.equal(tradeUnions(before).target, 1);
    assert.equal(tradeUnions(before).achieved, 0);

    const union = await ok(chitieu.POST("/v1/enterprises/{enterprise}/organizations", {
      params: { path: { enterprise: CODE }, query: { requestId: `http-org-${CODE}` } },
      body: {
        kind: "ORGANIZATION_KIND_TRADE_UNION",
        foundingDate: `${YEAR}-05-01`,
        decisionNumber: "9/QĐ-LĐLĐ",
        foundingBody: "bodies/hk-labour-federation",
      },
    }));
    assert.ok(union.name?.startsWith(`enterprises/${CODE}/organizations/`));
    const after = await waitFor((p) => tradeUnions(p).achieved === 1);
    assert.equal(tradeUnions(after).achieved, 1);
    assert.equal(tradeUnions(after).status, "PROGRESS_STATUS_MET");

    // The year's table as a file: CSV with a byte order mark, named.
    const download = await chitieu.GET("/v1/units/{unit}:downloadExport", {
      params: { path: { unit: "002" }, query: { year: YEAR, format: "EXPORT_FORMAT_CSV" } },
      parseAs: "arrayBuffer",
    });
    assert.equal(download.response.status, 200);
    assert.equal(download.response.headers.get("Content-Type"), "text/csv; charset=utf-8");
    assert.match(download.response.headers.get("Content-Disposition") ?? "", new RegExp(`chi-tieu-002-${YEAR}\\.csv`));
    const bytes = Buffer.from(download.data as ArrayBuffer);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.match(bytes.toString("utf8"), /\r\n/);

    // Submit (the district) → approve (the city).
    const report = { params: { path: { unit: "002", report: String(YEAR) } } };
    const district = connect({ credential: process.env.CHITIEU_DISTRICT_KEY });
    const submitted = await ok(district.POST("/v1/units/{unit}/reports/{report}:submit", {
      ...report,
      body: { requestId: `http-submit-${CODE}` },
    }));
    assert.equal(submitted.state, "REPORT_STATE_SUBMITTED");
    assert.ok(submitted.snapshot?.contentHash?.startsWith("sha256:"));
    const approved = await ok(chitieu.POST("/v1/units/{unit}/reports/{report}:approve", {
      ...report,
      body: { etag: submitted.etag },
    }));
    assert.equal(approved.state, "REPORT_STATE_APPROVED");

    const officer = connect({ credential: process.env.CHITIEU_OFFICER_KEY });
    await assert.rejects(
      ok(officer.GET("/v1/units/{unit}/progress", { params: { path: { unit: "002" }, query: { year: YEAR } } })),
      (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.httpStatus, 403);
        assert.equal(error.code, 7);
        console.log("permission error:", error.message);
        return true;
      },
    );

    await assert.rejects(
      ok(chitieu.POST("/v1/enterprises", {
        body: {
          enterpriseCode: "0100000001",
          displayName: "Sai mã",
          legalForm: "LEGAL_FORM_SINGLE_MEMBER_LLC",
          sector: "SECTOR_NON_STATE",
          seatUnit: "units/00037",
          registrationDate: "2013-01-01",
        },
      })),
      (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.httpStatus, 400);
        assert.ok(error.fieldViolations.some((v) => v.field === "enterprise.enterprise_code"));
        console.log("invalid argument:", error.message);
        return true;
      },
    );
  });
});

describe("ApiError", () => {
  it("reads a google.rpc.Status answer's field violations", () => {
    const error = new ApiError(400, {
      code: 3,
      message: "bad",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.BadRequest",
          fieldViolations: [{ field: "year", description: "too early" }],
        },
      ],
    });
    assert.deepEqual(error.fieldViolations, [{ field: "year", description: "too early" }]);
    assert.match(error.message, /INVALID_ARGUMENT: bad \[year: too early\]/);
  });
});
