package chitieu

// The conformance scenario every client runs against a live stack (see
// clients/python/tests/test_conformance.py for the environment it needs;
// tests/clients_e2e_test.cc starts the stack and sets it).

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	quotav1 "chitieu.local/gen/chitieu/quota/v1"
	registryv1 "chitieu.local/gen/chitieu/registry/v1"
	reportingv1 "chitieu.local/gen/chitieu/reporting/v1"
	typev1 "chitieu.local/gen/chitieu/type/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func tradeUnions(t *testing.T, p *reportingv1.Progress) *reportingv1.IndicatorProgress {
	for _, row := range p.GetIndicators() {
		if row.GetIndicator() == typev1.Indicator_INDICATOR_NEW_TRADE_UNIONS {
			return row
		}
	}
	t.Fatal("no trade-union row")
	return nil
}

func TestConformance(t *testing.T) {
	code := os.Getenv("CHITIEU_TEST_ENTERPRISE")
	year, _ := strconv.Atoi(os.Getenv("CHITIEU_TEST_YEAR"))
	if code == "" || year == 0 {
		t.Skip("needs the live stack of tests/clients_e2e_test.cc")
	}
	ctx := context.Background()
	client, err := Connect(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	created, err := client.Registry.CreateEnterprise(ctx, &registryv1.CreateEnterpriseRequest{
		RequestId: "go-" + code,
		Enterprise: &registryv1.Enterprise{
			EnterpriseCode: code, DisplayName: "Công ty Go",
			LegalForm: typev1.LegalForm_LEGAL_FORM_SINGLE_MEMBER_LLC, Sector: typev1.Sector_SECTOR_NON_STATE,
			SeatUnit: "units/00037", RegistrationDate: fmt.Sprintf("%d-01-15", year-1),
		},
	})
	if err != nil {
		t.Fatal(AsAPIError(err))
	}
	if created.GetName() != "enterprises/"+code {
		t.Fatalf("created %s", created.GetName())
	}
	if _, err := client.Quota.CreateTarget(ctx, &quotav1.CreateTargetRequest{
		Parent: "units/002",
		Target: &quotav1.Target{Year: int32(year), Indicator: typev1.Indicator_INDICATOR_NEW_TRADE_UNIONS,
			Assigner: "units/01", Assignee: "units/002", Value: 1},
	}); err != nil {
		t.Fatal(AsAPIError(err))
	}
	waitFor := func(ok func(*reportingv1.IndicatorProgress) bool) *reportingv1.IndicatorProgress {
		deadline := time.Now().Add(30 * time.Second)
		for {
			p, err := client.Reporting.GetProgress(ctx, &reportingv1.GetProgressRequest{Unit: "units/002", Year: int32(year)})
			if err != nil {
				t.Fatal(AsAPIError(err))
			}
			row := tradeUnions(t, p)
			if ok(row) || time.Now().After(deadline) {
				return row
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	before := waitFor(func(r *reportingv1.IndicatorProgress) bool { return r.GetTarget() == 1 })
	if before.GetTarget() != 1 || before.GetAchieved() != 0 {
		t.Fatalf("before founding: %v", before)
	}
	if _, err := client.Registry.CreateOrganization(ctx, &registryv1.CreateOrganizationRequest{
		Parent: created.GetName(), RequestId: "go-org-" + code,
		Organization: &registryv1.Organization{
			Kind: typev1.OrganizationKind_ORGANIZATION_KIND_TRADE_UNION, FoundingDate: fmt.Sprintf("%d-05-01", year),
			DecisionNumber: "9/QĐ-LĐLĐ", FoundingBody: "bodies/hk-labour-federation",
		},
	}); err != nil {
		t.Fatal(AsAPIError(err))
	}
	after := waitFor(func(r *reportingv1.IndicatorProgress) bool { return r.GetAchieved() == 1 })
	if after.GetAchieved() != 1 || after.GetStatus() != typev1.ProgressStatus_PROGRESS_STATUS_MET {
		t.Fatalf("after founding: %v", after)
	}
	approvals(t, ctx, client, created.GetName(), code, year)

	officer, err := Connect(Options{Credential: os.Getenv("CHITIEU_OFFICER_KEY")})
	if err != nil {
		t.Fatal(err)
	}
	defer officer.Close()
	_, err = officer.Reporting.GetProgress(ctx, &reportingv1.GetProgressRequest{Unit: "units/002", Year: int32(year)})
	if denied := AsAPIError(err); denied == nil || denied.Code != codes.PermissionDenied {
		t.Fatalf("want PERMISSION_DENIED, got %v", err)
	} else {
		t.Logf("permission error: %v", denied)
	}

	_, err = client.Registry.CreateEnterprise(ctx, &registryv1.CreateEnterpriseRequest{
		Enterprise: &registryv1.Enterprise{
			EnterpriseCode: "0100000001", DisplayName: "Sai mã",
			LegalForm: typev1.LegalForm_LEGAL_FORM_SINGLE_MEMBER_LLC, Sector: typev1.Sector_SECTOR_NON_STATE,
			SeatUnit: "units/00037", RegistrationDate: "2013-01-01",
		},
	})
	invalid := AsAPIError(err)
	if invalid == nil || invalid.Code != codes.InvalidArgument {
		t.Fatalf("want INVALID_ARGUMENT, got %v", err)
	}
	found := false
	for _, v := range invalid.FieldViolations {
		found = found || v.Field == "enterprise.enterprise_code"
	}
	if !found {
		t.Fatalf("no violation on enterprise.enterprise_code: %v", invalid)
	}
	t.Logf("invalid argument: %v", invalid)
}

// Submit → approve → a late change → the change shown → resubmit.
func approvals(t *testing.T, ctx context.Context, client *Client, enterprise, code string, year int) {
	district, err := Connect(Options{Credential: os.Getenv("CHITIEU_DISTRICT_KEY")})
	if err != nil {
		t.Fatal(err)
	}
	defer district.Close()
	name := fmt.Sprintf("units/002/reports/%d", year)
	submitted, err := district.Reporting.SubmitReport(ctx, &reportingv1.SubmitReportRequest{Name: name, RequestId: "go-submit-" + code})
	if err != nil {
		t.Fatal(AsAPIError(err))
	}
	if submitted.GetState() != reportingv1.ReportState_REPORT_STATE_SUBMITTED || len(submitted.GetSnapshot().GetContentHash()) != 71 {
		t.Fatalf("submitted: %v", submitted)
	}
	approved, err := client.Reporting.ApproveReport(ctx, &reportingv1.ApproveReportRequest{Name: name, Etag: submitted.GetEtag()})
	if err != nil {
		t.Fatal(AsAPIError(err))
	}
	if approved.GetState() != reportingv1.ReportState_REPORT_STATE_APPROVED {
		t.Fatalf("approved: %v", approved)
	}
	late, err := client.Registry.CreateOrganization(ctx, &registryv1.CreateOrganizationRequest{
		Parent: enterprise, RequestId: "go-late-" + code,
		Organization: &registryv1.Organization{
			Kind: typev1.OrganizationKind_ORGANIZATION_KIND_YOUTH_UNION, FoundingDate: fmt.Sprintf("%d-06-01", year),
			DecisionNumber: "5/QĐ-ĐTN", FoundingBody: "bodies/hk-youth-union",
		},
	})
	if err != nil {
		t.Fatal(AsAPIError(err))
	}
	var report *reportingv1.Report
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		report, err = client.Reporting.GetReport(ctx, &reportingv1.GetReportRequest{Name: name})
		if err != nil {
			t.Fatal(AsAPIError(err))
		}
		if len(report.GetChangesSinceSubmission()) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if report.GetSnapshot().GetContentHash() != submitted.GetSnapshot().GetContentHash() || len(report.GetChangesSinceSubmission()) != 1 {
		t.Fatalf("after the late change: %v", report)
	}
	change := report.GetChangesSinceSubmission()[0]
	if change.GetIndicator() != typev1.Indicator_INDICATOR_NEW_YOUTH_UNIONS || change.GetSubmittedAchieved() != 0 ||
		change.GetLiveAchieved() != 1 || change.GetAdded()[0].GetName() != late.GetName() ||
		change.GetAdded()[0].GetRecordedBy() != "user:city" {
		t.Fatalf("the change: %v", change)
	}
	if _, err := client.Reporting.ReopenReport(ctx, &reportingv1.ReopenReportRequest{Name: name, Reason: "Bổ sung đoàn thanh niên ghi nhận muộn"}); err != nil {
		t.Fatal(AsAPIError(err))
	}
	resubmitted, err := district.Reporting.SubmitReport(ctx, &reportingv1.SubmitReportRequest{Name: name})
	if err != nil {
		t.Fatal(AsAPIError(err))
	}
	if len(resubmitted.GetChangesSinceSubmission()) != 0 || resubmitted.GetSnapshot().GetContentHash() == submitted.GetSnapshot().GetContentHash() {
		t.Fatalf("resubmitted: %v", resubmitted)
	}
	t.Logf("report %s resubmitted: %s", name, resubmitted.GetSnapshot().GetContentHash())
}

func TestAPIErrorReadsDetails(t *testing.T) {
	st, err := status.New(codes.InvalidArgument, "bad").WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "year", Description: "too early"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := AsAPIError(st.Err())
	if len(e.FieldViolations) != 1 || e.FieldViolations[0].Field != "year" {
		t.Fatalf("got %v", e)
	}
}
