// The conformance scenario every client runs against a live stack (see
// clients/python/tests/test_conformance.py for the environment it needs;
// tests/clients_e2e_test.cc starts the stack and sets it).
import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ApiError, connect, quota, registry, reporting, types } from "../src";
import { Status } from "../src/gen/google/rpc/status";
import { BadRequest } from "../src/gen/google/rpc/error_details";

const CODE = process.env.CHITIEU_TEST_ENTERPRISE ?? "";
const YEAR = Number(process.env.CHITIEU_TEST_YEAR ?? "0");

function tradeUnions(progress: reporting.Progress) {
  const row = progress.indicators.find((r) => r.indicator === types.Indicator.INDICATOR_NEW_TRADE_UNIONS);
  assert.ok(row, "no trade-union row");
  return row;
}

describe("conformance", { skip: !CODE || !YEAR ? "needs the live stack" : false }, () => {
  it("creates, founds, sets a target, sees progress move, and reads error details", async () => {
    const chitieu = connect();
    try {
      const created = await chitieu.call(chitieu.registry, chitieu.registry.createEnterprise, registry.CreateEnterpriseRequest.fromPartial({
        requestId: `ts-${CODE}`,
        enterprise: {
          enterpriseCode: CODE,
          displayName: "Công ty TypeScript",
          legalForm: types.LegalForm.LEGAL_FORM_SINGLE_MEMBER_LLC,
          sector: types.Sector.SECTOR_NON_STATE,
          seatUnit: "units/00037",
          registrationDate: `${YEAR - 1}-01-15`,
        },
      }));
      assert.equal(created.name, `enterprises/${CODE}`);

      const target = await chitieu.call(chitieu.quota, chitieu.quota.createTarget, quota.CreateTargetRequest.fromPartial({
        parent: "units/002",
        target: {
          year: YEAR,
          indicator: types.Indicator.INDICATOR_NEW_TRADE_UNIONS,
          assigner: "units/01",
          assignee: "units/002",
          value: 1,
        },
      }));
      assert.equal(target.value, 1);

      const progress = () =>
        chitieu.call(chitieu.reporting, chitieu.reporting.getProgress, { unit: "units/002", year: YEAR });
      const waitFor = async (ok: (p: reporting.Progress) => boolean) => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const p = await progress();
          if (ok(p) || Date.now() > deadline) return p;
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const before = await waitFor((p) => tradeUnions(p).target === 1);
      assert.equal(tradeUnions(before).target, 1);
      assert.equal(tradeUnions(before).achieved, 0);

      await chitieu.call(chitieu.registry, chitieu.registry.createOrganization, registry.CreateOrganizationRequest.fromPartial({
        parent: created.name,
        requestId: `ts-org-${CODE}`,
        organization: {
          kind: types.OrganizationKind.ORGANIZATION_KIND_TRADE_UNION,
          foundingDate: `${YEAR}-05-01`,
          decisionNumber: "8/QĐ-LĐLĐ",
          foundingBody: "bodies/hk-labour-federation",
        },
      }));
      const after = await waitFor((p) => tradeUnions(p).achieved === 1);
      assert.equal(tradeUnions(after).achieved, 1);
      assert.equal(tradeUnions(after).status, types.ProgressStatus.PROGRESS_STATUS_MET);

      // Submit → approve → a late change → the change shown → resubmit.
      const district = connect({ credential: process.env.CHITIEU_DISTRICT_KEY });
      try {
        const name = `units/002/reports/${YEAR}`;
        const submitted = await district.call(district.reporting, district.reporting.submitReport,
          reporting.SubmitReportRequest.fromPartial({ name, requestId: `ts-submit-${CODE}` }));
        assert.equal(submitted.state, reporting.ReportState.REPORT_STATE_SUBMITTED);
        assert.ok(submitted.snapshot?.contentHash.startsWith("sha256:"));
        const approved = await chitieu.call(chitieu.reporting, chitieu.reporting.approveReport,
          reporting.ApproveReportRequest.fromPartial({ name, etag: submitted.etag }));
        assert.equal(approved.state, reporting.ReportState.REPORT_STATE_APPROVED);
        const late = await chitieu.call(chitieu.registry, chitieu.registry.createOrganization,
          registry.CreateOrganizationRequest.fromPartial({
            parent: created.name,
            requestId: `ts-late-${CODE}`,
            organization: {
              kind: types.OrganizationKind.ORGANIZATION_KIND_YOUTH_UNION,
              foundingDate: `${YEAR}-06-01`,
              decisionNumber: "4/QĐ-ĐTN",
              foundingBody: "bodies/hk-youth-union",
            },
          }));
        let report = await chitieu.call(chitieu.reporting, chitieu.reporting.getReport, { name });
        for (const deadline = Date.now() + 30_000;
          report.changesSinceSubmission.length === 0 && Date.now() < deadline;) {
          await new Promise((r) => setTimeout(r, 50));
          report = await chitieu.call(chitieu.reporting, chitieu.reporting.getReport, { name });
        }
        assert.equal(report.snapshot?.contentHash, submitted.snapshot?.contentHash);
        assert.equal(report.changesSinceSubmission.length, 1);
        const change = report.changesSinceSubmission[0];
        assert.equal(change.indicator, types.Indicator.INDICATOR_NEW_YOUTH_UNIONS);
        assert.deepEqual([change.submittedAchieved, change.liveAchieved], [0, 1]);
        assert.equal(change.added[0].name, late.name);
        assert.equal(change.added[0].recordedBy, "user:city");
        await chitieu.call(chitieu.reporting, chitieu.reporting.reopenReport,
          reporting.ReopenReportRequest.fromPartial({ name, reason: "Bổ sung đoàn thanh niên ghi nhận muộn" }));
        const resubmitted = await district.call(district.reporting, district.reporting.submitReport,
          reporting.SubmitReportRequest.fromPartial({ name }));
        assert.equal(resubmitted.state, reporting.ReportState.REPORT_STATE_SUBMITTED);
        assert.equal(resubmitted.changesSinceSubmission.length, 0);
        assert.notEqual(resubmitted.snapshot?.contentHash, submitted.snapshot?.contentHash);
      } finally {
        district.close();
      }

      const officer = connect({ credential: process.env.CHITIEU_OFFICER_KEY });
      try {
        await assert.rejects(
          officer.call(officer.reporting, officer.reporting.getProgress, { unit: "units/002", year: YEAR }),
          (error: unknown) => {
            assert.ok(error instanceof ApiError);
            assert.equal(error.code, grpc.status.PERMISSION_DENIED);
            console.log("permission error:", error.message);
            return true;
          },
        );
      } finally {
        officer.close();
      }

      await assert.rejects(
        chitieu.call(chitieu.registry, chitieu.registry.createEnterprise, registry.CreateEnterpriseRequest.fromPartial({
          enterprise: {
            enterpriseCode: "0100000001",
            displayName: "Sai mã",
            legalForm: types.LegalForm.LEGAL_FORM_SINGLE_MEMBER_LLC,
            sector: types.Sector.SECTOR_NON_STATE,
            seatUnit: "units/00037",
            registrationDate: "2013-01-01",
          },
        })),
        (error: unknown) => {
          assert.ok(error instanceof ApiError);
          assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
          assert.ok(error.fieldViolations.some((v) => v.field === "enterprise.enterprise_code"));
          console.log("invalid argument:", error.message);
          return true;
        },
      );
    } finally {
      chitieu.close();
    }
  });
});

describe("ApiError", () => {
  it("reads google.rpc.Status details from the trailers", () => {
    const details = Status.encode({
      code: 3,
      message: "bad",
      details: [
        {
          typeUrl: "type.googleapis.com/google.rpc.BadRequest",
          value: Buffer.from(
            BadRequest.encode(
              BadRequest.fromPartial({ fieldViolations: [{ field: "year", description: "too early" }] }),
            ).finish(),
          ),
        },
      ],
    }).finish();
    const metadata = new grpc.Metadata();
    metadata.set("grpc-status-details-bin", Buffer.from(details));
    const error = new ApiError(
      Object.assign(new Error("bad"), { code: grpc.status.INVALID_ARGUMENT, details: "bad", metadata }),
    );
    assert.deepEqual(
      error.fieldViolations.map((v) => [v.field, v.description]),
      [["year", "too early"]],
    );
    assert.match(error.message, /year: too early/);
  });
});
