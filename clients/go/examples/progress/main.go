// Prints Hoàn Kiếm's 2013 progress through the gateway:
//
//	CHITIEU_API_KEY=$(cat var/demo-api-key) clients/go/go.sh example
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"chitieu.local/client/chitieu"
	reportingv1 "chitieu.local/gen/chitieu/reporting/v1"
)

func main() {
	client, err := chitieu.Connect(chitieu.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer client.Close()
	progress, err := client.Reporting.GetProgress(context.Background(),
		&reportingv1.GetProgressRequest{Unit: "units/002", Year: 2013})
	if err != nil {
		fmt.Fprintln(os.Stderr, chitieu.AsAPIError(err))
		os.Exit(1)
	}
	fmt.Printf("%s, %d\n", progress.GetUnit(), progress.GetYear())
	for _, row := range progress.GetIndicators() {
		fmt.Printf("  %-24s target %3d  achieved %3d  %s\n",
			strings.TrimPrefix(row.GetIndicator().String(), "INDICATOR_"), row.GetTarget(), row.GetAchieved(),
			strings.TrimPrefix(row.GetStatus().String(), "PROGRESS_STATUS_"))
	}
}
