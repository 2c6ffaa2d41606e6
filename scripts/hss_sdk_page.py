"""One page of an HSS operation through the official Huawei Cloud Python SDK.

The signing oracle of the tests (tests/tests/python_sdk.rs): the SDK signs
the request with its own code, so a request the mock accepts from it shows
that the mock's signature check agrees with an outside signer.

The operation is named by its operation id; its request class and client
method follow from it by the SDK's naming (ListClusterEvents gives
ListClusterEventsRequest and list_cluster_events). Each --param NAME=VALUE
sets one attribute of the request, converted to the type the request class
declares; a name given twice makes a list. A name the request class does
not have is an error, never dropped.

The AK and SK come from HSS_SDK_AK and HSS_SDK_SK. Prints one JSON line:
{"status": 200, "body": ...} with the body as the service sent it, or
{"status": ..., "error_code": ..., "error_msg": ..., "request_id": ...}
as the SDK parsed the service's error. Exits 2 when the request cannot be
made.

    python scripts/hss_sdk_page.py --url http://127.0.0.1:8080 \
        --project-id 0123456789abcdef0123456789abcdef \
        --operation ListClusterEvents --param offset=0 --param limit=10
"""

import argparse
import json
import os
import re
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from huaweicloudsdkcore.http.http_config import HttpConfig
import huaweicloudsdkhss.v5 as hss


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(2)


def unknown(message):
    """The SDK has no such operation (one the spec has and the SDK not yet,
    or a made-up one): exit status 3, told apart from a failure."""
    print(message, file=sys.stderr)
    sys.exit(3)


def convert(kind, values, name):
    """The values of one parameter as the request class declares it."""
    item = kind[len("list["):-1] if kind.startswith("list[") else kind
    scalar = {"int": int, "str": str, "float": float,
              "bool": lambda v: v.lower() == "true"}.get(item)
    if scalar is None:
        fail(f"parameter {name} has type {kind}, which this script cannot fill")
    try:
        converted = [scalar(value) for value in values]
    except ValueError as error:
        fail(f"parameter {name}: {error}")
    if kind.startswith("list["):
        return converted
    if len(converted) != 1:
        fail(f"parameter {name} is not a list but was given {len(converted)} times")
    return converted[0]


def request_of(operation, params):
    """The SDK's request object of `operation` with `params` set."""
    cls = getattr(hss, f"{operation}Request", None)
    if cls is None:
        unknown(f"the SDK has no request class {operation}Request")
    values = {}
    for param in params:
        name, sep, value = param.partition("=")
        if not sep:
            fail(f"--param {param!r} is not NAME=VALUE")
        values.setdefault(name, []).append(value)
    kwargs = {}
    for name, given in values.items():
        kind = cls.openapi_types.get(name)
        if kind is None:
            fail(f"{cls.__name__} has no parameter {name}")
        kwargs[name] = convert(kind, given, name)
    return cls(**kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the service's base URL")
    parser.add_argument("--project-id", required=True)
    parser.add_argument("--operation", required=True, help="an operation id")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()

    request = request_of(args.operation, args.param)
    method = re.sub(r"(?<!^)(?=[A-Z])", "_", args.operation).lower()
    credentials = BasicCredentials(
        os.environ["HSS_SDK_AK"], os.environ["HSS_SDK_SK"], args.project_id
    )
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True
    client = (
        hss.HssClient.new_builder()
        .with_http_config(config)
        .with_credentials(credentials)
        .with_endpoints([args.url])
        .build()
    )
    call = getattr(client, method, None)
    if call is None:
        unknown(f"the SDK's client has no method {method}")
    try:
        response = call(request)
    except ServiceResponseException as error:
        print(json.dumps({
            "status": error.status_code,
            "error_code": error.error_code,
            "error_msg": error.error_msg,
            "request_id": error.request_id,
        }))
        return
    print(json.dumps({"status": response.status_code, "body": response.to_json_object()}))


if __name__ == "__main__":
    main()
