"""The conformance scenario every client runs against a live stack (the
harness, tests/clients_e2e_test.cc, starts it and sets the environment):

  CHITIEU_ADDR, CHITIEU_API_KEY   the gateway and a city admin's key
  CHITIEU_OFFICER_KEY             Tây Hồ's officer (for a permission error)
  CHITIEU_DISTRICT_KEY            Hoàn Kiếm's officer (submits the report)
  CHITIEU_TEST_ENTERPRISE         an unused valid tax code
  CHITIEU_TEST_YEAR               a year no other client sets targets for

Create an enterprise, found an organization in it, set a target, read the
progress and see it move; the district submits the year's report and the
city approves it, a late organization shows as a change beside the frozen
figures, the city reopens and the district's resubmission clears it; then
hit a permission error and an invalid argument error and read their
details.
"""
import os
import pathlib
import sys
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import grpc  # noqa: E402

import chitieu_client  # noqa: E402
from chitieu_client import quota_pb2, registry_pb2, reporting_pb2, types_pb2  # noqa: E402

CODE = os.environ.get("CHITIEU_TEST_ENTERPRISE", "")
YEAR = int(os.environ.get("CHITIEU_TEST_YEAR", "0"))


def trade_unions(progress):
    for row in progress.indicators:
        if row.indicator == types_pb2.INDICATOR_NEW_TRADE_UNIONS:
            return row
    raise AssertionError("no trade-union row")


@unittest.skipUnless(CODE and YEAR, "needs the live stack of tests/clients_e2e_test.cc")
class ConformanceTest(unittest.TestCase):
    def setUp(self):
        self.client = chitieu_client.connect()
        self.addCleanup(self.client.close)

    def progress(self):
        return self.client.reporting.GetProgress(
            reporting_pb2.GetProgressRequest(unit="units/002", year=YEAR))

    def test_scenario(self):
        created = self.client.registry.CreateEnterprise(registry_pb2.CreateEnterpriseRequest(
            request_id=f"py-{CODE}",
            enterprise=registry_pb2.Enterprise(
                enterprise_code=CODE, display_name="Công ty Python",
                legal_form=types_pb2.LEGAL_FORM_SINGLE_MEMBER_LLC,
                sector=types_pb2.SECTOR_NON_STATE, seat_unit="units/00037",
                registration_date=f"{YEAR - 1}-01-15")))
        self.assertEqual(created.name, f"enterprises/{CODE}")

        target = self.client.quota.CreateTarget(quota_pb2.CreateTargetRequest(
            parent="units/002", target=quota_pb2.Target(
                year=YEAR, indicator=types_pb2.INDICATOR_NEW_TRADE_UNIONS,
                assigner="units/01", assignee="units/002", value=1)))
        self.assertEqual(target.value, 1)

        # Reporting follows the feeds: the target shows within seconds.
        before = self.wait(lambda p: trade_unions(p).target == 1)
        self.assertEqual(trade_unions(before).achieved, 0)

        self.client.registry.CreateOrganization(registry_pb2.CreateOrganizationRequest(
            parent=created.name, request_id=f"py-org-{CODE}",
            organization=registry_pb2.Organization(
                kind=types_pb2.ORGANIZATION_KIND_TRADE_UNION, founding_date=f"{YEAR}-05-01",
                decision_number="7/QĐ-LĐLĐ", founding_body="bodies/hk-labour-federation")))
        after = self.wait(lambda p: trade_unions(p).achieved == 1)
        self.assertEqual(trade_unions(after).status, types_pb2.PROGRESS_STATUS_MET)
        self.approvals(created.name)

        officer = chitieu_client.connect(api_key=os.environ["CHITIEU_OFFICER_KEY"])
        self.addCleanup(officer.close)
        with self.assertRaises(chitieu_client.ApiError) as denied:
            officer.reporting.GetProgress(
                reporting_pb2.GetProgressRequest(unit="units/002", year=YEAR))
        self.assertEqual(denied.exception.code, grpc.StatusCode.PERMISSION_DENIED)
        print("permission error:", denied.exception)

        with self.assertRaises(chitieu_client.ApiError) as invalid:
            self.client.registry.CreateEnterprise(registry_pb2.CreateEnterpriseRequest(
                enterprise=registry_pb2.Enterprise(
                    enterprise_code="0100000001", display_name="Sai mã",
                    legal_form=types_pb2.LEGAL_FORM_SINGLE_MEMBER_LLC,
                    sector=types_pb2.SECTOR_NON_STATE, seat_unit="units/00037",
                    registration_date="2013-01-01")))
        self.assertEqual(invalid.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        fields = [field for field, _ in invalid.exception.field_violations]
        self.assertIn("enterprise.enterprise_code", fields)
        print("invalid argument:", invalid.exception)

    def approvals(self, enterprise):
        """Submit → approve → a late change → the change shown → resubmit."""
        district = chitieu_client.connect(api_key=os.environ["CHITIEU_DISTRICT_KEY"])
        self.addCleanup(district.close)
        name = f"units/002/reports/{YEAR}"
        submitted = district.reporting.SubmitReport(
            reporting_pb2.SubmitReportRequest(name=name, request_id=f"py-submit-{CODE}"))
        self.assertEqual(submitted.state, reporting_pb2.REPORT_STATE_SUBMITTED)
        self.assertTrue(submitted.snapshot.content_hash.startswith("sha256:"))
        approved = self.client.reporting.ApproveReport(
            reporting_pb2.ApproveReportRequest(name=name, etag=submitted.etag))
        self.assertEqual(approved.state, reporting_pb2.REPORT_STATE_APPROVED)

        late = self.client.registry.CreateOrganization(registry_pb2.CreateOrganizationRequest(
            parent=enterprise, request_id=f"py-late-{CODE}",
            organization=registry_pb2.Organization(
                kind=types_pb2.ORGANIZATION_KIND_YOUTH_UNION, founding_date=f"{YEAR}-06-01",
                decision_number="3/QĐ-ĐTN", founding_body="bodies/hk-youth-union")))
        deadline = time.monotonic() + 30
        while True:
            report = self.client.reporting.GetReport(reporting_pb2.GetReportRequest(name=name))
            if report.changes_since_submission or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(report.snapshot.content_hash, submitted.snapshot.content_hash)
        self.assertEqual(len(report.changes_since_submission), 1, report)
        change = report.changes_since_submission[0]
        self.assertEqual(change.indicator, types_pb2.INDICATOR_NEW_YOUTH_UNIONS)
        self.assertEqual((change.submitted_achieved, change.live_achieved), (0, 1))
        self.assertEqual(change.added[0].name, late.name)
        self.assertEqual(change.added[0].recorded_by, "user:city")

        self.client.reporting.ReopenReport(reporting_pb2.ReopenReportRequest(
            name=name, reason="Bổ sung đoàn thanh niên ghi nhận muộn"))
        resubmitted = district.reporting.SubmitReport(reporting_pb2.SubmitReportRequest(name=name))
        self.assertEqual(resubmitted.state, reporting_pb2.REPORT_STATE_SUBMITTED)
        self.assertEqual(list(resubmitted.changes_since_submission), [])
        self.assertNotEqual(resubmitted.snapshot.content_hash, submitted.snapshot.content_hash)

    def wait(self, condition, seconds=30):
        deadline = time.monotonic() + seconds
        while True:
            progress = self.progress()
            if condition(progress) or time.monotonic() > deadline:
                self.assertTrue(condition(progress), progress)
                return progress
            time.sleep(0.05)


class ErrorDetailsTest(unittest.TestCase):
    """ApiError reads google.rpc.Status details without a server."""

    def test_field_violations(self):
        from google.rpc import error_details_pb2, status_pb2

        bad = error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="year", description="too early")])
        status = status_pb2.Status(code=3, message="bad")
        status.details.add().Pack(bad)

        class FakeError(grpc.RpcError):
            def code(self):
                return grpc.StatusCode.INVALID_ARGUMENT

            def details(self):
                return "bad"

            def trailing_metadata(self):
                return (("grpc-status-details-bin", status.SerializeToString()),)

        error = chitieu_client.ApiError(FakeError())
        self.assertEqual(error.field_violations, [("year", "too early")])
        self.assertIn("year: too early", str(error))


if __name__ == "__main__":
    unittest.main()
