#!/usr/bin/env python3
"""Produce extra SDK-HMAC-SHA256 signing vectors with the official SDK.

Run it in a virtual environment with the official core package installed:

    python3 -m venv /tmp/sdkvenv
    /tmp/sdkvenv/bin/pip install huaweicloudsdkcore==3.1.219
    /tmp/sdkvenv/bin/python generated-client/tests/data/make_signing_vectors.py \
        > generated-client/tests/data/sdk-extra-vectors.json

Every request is built as the SDK's own client builds it (a SdkRequest with
the SDK's default User-Agent and, unless a case says otherwise, its
Content-Type) and is handed to the SDK's credentials object, which adds
X-Project-Id and X-Security-Token and signs. The X-Sdk-Date header is set up
front, which makes the SDK's signer use that time instead of the clock.
The canonical request and the string to sign are recorded by wrapping the
signer's string-to-sign step; nothing of the signer is reimplemented here.
"""

import json
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

AK = "AKTESTEXAMPLE0000002"
SK = "sktestexample0000000000000000000000000002"
PROJECT_ID = "0123456789abcdef0123456789abcdef"
X_SDK_DATE = "20261122T041500Z"
HOST = "hss.cn-north-4.myhuaweicloud.com"
EVENTS = "/v5/%s/cluster-protect/events" % PROJECT_ID
LOGS = "/v5/%s/container/kubernetes/cluster/events" % PROJECT_ID
LOG_TIMES = [("start_time", 1763780400000), ("end_time", 1763784000000),
             ("limit", 10), ("offset", 0)]

CASES = [
    # name, resource path, query pairs, options
    ("space in a value", EVENTS,
     [("cluster_id", "my cluster"), ("limit", 10), ("offset", 0)], {}),
    ("double and single quotes", LOGS,
     [("cluster_id", "c-1"), ("reason", "Pulling image \"nginx\" 'latest'")] + LOG_TIMES, {}),
    ("slash in a value", LOGS,
     [("cluster_id", "c-1"), ("resource_name", "ns/pod/x")] + LOG_TIMES, {}),
    ("tilde, star and percent", LOGS,
     [("cluster_id", "c-1"), ("event_name", "~a*b%c%20d")] + LOG_TIMES, {}),
    ("plus, equals, ampersand and hash", LOGS,
     [("cluster_id", "c-1"), ("namespace", "a+b=c&d#e")] + LOG_TIMES, {}),
    ("every reserved character", EVENTS,
     [("cluster_id", " !\"#$%&'()*+,/:;<=>?@[\\]^`{|}~-_."), ("limit", 200), ("offset", 0)], {}),
    ("non-ASCII value", LOGS,
     [("cluster_id", "c-1"), ("cluster_name", "集群-é-ü")] + LOG_TIMES, {}),
    ("non-ASCII key", EVENTS,
     [("clé_ü", "v"), ("limit", 10), ("offset", 0)], {}),
    ("repeated parameter", EVENTS,
     [("limit", 10), ("tag", "b"), ("offset", 0), ("tag", "a"), ("tag", "B")], {}),
    ("empty values", LOGS,
     [("cluster_id", "c-1"), ("cluster_name", ""), ("namespace", "")] + LOG_TIMES, {}),
    ("uppercase sorts before lowercase", EVENTS,
     [("limit", 10), ("offset", 0), ("Zeta", "1"), ("alpha", "2"), ("Alpha", "3")], {}),
    ("temporary credentials", EVENTS,
     [("cluster_id", "c-0a1b2c3d"), ("limit", 10), ("offset", 0)],
     {"security_token": "tok-EXAMPLE/+= with space~"}),
    ("temporary credentials without Content-Type", LOGS,
     [("cluster_id", "c-1")] + LOG_TIMES,
     {"security_token": "tok-2", "content_type": None}),
    ("without Content-Type", EVENTS,
     [("limit", 50), ("offset", 100)], {"content_type": None}),
    ("Content-Type with charset", EVENTS,
     [("limit", 50), ("offset", 100)], {"content_type": "application/json;charset=UTF-8"}),
    ("no query at all", EVENTS, [], {}),
    ("custom endpoint with port and path prefix", "/proxy/hss" + EVENTS,
     [("limit", 10), ("offset", 0)], {"scheme": "http", "host": "127.0.0.1:8443"}),
    ("path prefix with a space and non-ASCII", "/my proxy/é" + LOGS,
     [("cluster_id", "c-1")] + LOG_TIMES, {"host": "hss.example.test:9443"}),
    ("extra headers: padded value, name with underscore, same name twice", EVENTS,
     [("limit", 10), ("offset", 0)],
     {"extra_headers": [("X-Trace", "  padded value  "), ("X_Not_Signed", "u"),
                        ("X-Twice", "first"), ("x-twice", "second")]}),
]


def main():
    captured = {}
    original = Signer._process_string_to_sign

    def recording(self, canonical_request, time):
        result = original(self, canonical_request, time)
        captured["canonical_request"] = canonical_request
        captured["string_to_sign"] = result
        return result

    Signer._process_string_to_sign = recording

    vectors = []
    for name, path, query, options in CASES:
        headers = {}
        content_type = options.get("content_type", "application/json")
        if content_type is not None:
            headers["Content-Type"] = content_type
        headers["User-Agent"] = "huaweicloud-usdk-python/3.0"
        headers["X-Sdk-Date"] = X_SDK_DATE
        for name, value in options.get("extra_headers", []):
            headers[name] = value
        request = SdkRequest(method="GET", schema=options.get("scheme", "https"),
                             host=options.get("host", HOST), resource_path=path,
                             query_params=list(query), header_params=headers, body="")
        credentials = BasicCredentials(AK, SK, PROJECT_ID)
        token = options.get("security_token")
        if token is not None:
            credentials = credentials.with_security_token(token)
        captured.clear()
        credentials.sign_request(request)
        vectors.append({
            "name": name,
            "method": "GET",
            "url": request.url,
            "query_params": [[k, str(v)] for k, v in query],
            "headers": [[k, v] for k, v in request.header_params.items()],
            "canonical_request": captured["canonical_request"],
            "string_to_sign": captured["string_to_sign"],
            "authorization": request.header_params["Authorization"],
        })

    json.dump({
        "ak": AK,
        "sk": SK,
        "project_id": PROJECT_ID,
        "x_sdk_date": X_SDK_DATE,
        "source": "produced by generated-client/tests/data/make_signing_vectors.py "
                  "with the official huaweicloudsdkcore 3.1.219 signer and a fixed X-Sdk-Date",
        "vectors": vectors,
    }, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
