#!/usr/bin/python3
"""Prints Hoàn Kiếm's 2013 progress through the gateway.

    CHITIEU_API_KEY=$(cat var/demo-api-key) /usr/bin/python3 clients/python/examples/progress.py
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import chitieu_client  # noqa: E402
from chitieu_client import reporting_pb2, types_pb2  # noqa: E402


def main():
    with chitieu_client.connect() as client:
        progress = client.reporting.GetProgress(
            reporting_pb2.GetProgressRequest(unit="units/002", year=2013))
    print(f"{progress.unit}, {progress.year}")
    for row in progress.indicators:
        name = types_pb2.Indicator.Name(row.indicator).removeprefix("INDICATOR_")
        status = types_pb2.ProgressStatus.Name(row.status).removeprefix("PROGRESS_STATUS_")
        print(f"  {name:<24} target {row.target:>3}  achieved {row.achieved:>3}  {status}")


if __name__ == "__main__":
    try:
        main()
    except chitieu_client.ApiError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
