"""Benchmark contender (d): the official Huawei Cloud Python SDK.

Pages through ListClusterEvents on hss-mock with `list_cluster_events`,
200 items per page, AK/SK signing by the SDK itself (the mock verifies every
signature). Prints one JSON line: items, wall_s (the paging loop alone), cpu_s (its
CPU time) and peak_rss_bytes (the process's high-water mark).

The AK and SK come from HSS_BENCH_AK and HSS_BENCH_SK. When the service
answers with an error, it prints error_status, error_code and request_id as
the SDK parsed them, and exits with status 3.

    python bench/python_sdk.py --url http://127.0.0.1:8080 --expect 100000
"""

import argparse
import json
import os
import resource
import sys
import time

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkhss.v5 import HssClient, ListClusterEventsRequest

PAGE_SIZE = 200


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="hss-mock's base URL")
    parser.add_argument("--project-id", default="0123456789abcdef0123456789abcdef")
    parser.add_argument("--expect", type=int, help="fail unless exactly this many items arrive")
    parser.add_argument("--start-offset", type=int, default=0, help="offset of the first page")
    args = parser.parse_args()

    credentials = BasicCredentials(
        os.environ["HSS_BENCH_AK"], os.environ["HSS_BENCH_SK"], args.project_id
    )
    client = (
        HssClient.new_builder()
        .with_http_config(HttpConfig.get_default_config())
        .with_credentials(credentials)
        .with_endpoints([args.url])
        .build()
    )

    def cpu():
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    cpu_before = cpu()
    start = time.perf_counter()
    items = 0
    offset = args.start_offset
    while True:
        try:
            response = client.list_cluster_events(
                ListClusterEventsRequest(offset=offset, limit=PAGE_SIZE)
            )
        except ServiceResponseException as error:
            # The service's answer, as the SDK parsed it; exit status 3.
            print(json.dumps({
                "error_status": error.status_code,
                "error_code": error.error_code,
                "request_id": error.request_id,
            }))
            sys.exit(3)
        page = response.data_list or []
        items += len(page)
        offset += len(page)
        if not page or offset >= (response.total_num or 0):
            break
    wall_s = time.perf_counter() - start
    cpu_s = cpu() - cpu_before

    if args.expect is not None and items != args.expect:
        print(f"expected {args.expect} items, got {items}", file=sys.stderr)
        sys.exit(1)
    # ru_maxrss is in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"items": items, "wall_s": wall_s, "cpu_s": cpu_s, "peak_rss_bytes": peak}))


if __name__ == "__main__":
    main()
