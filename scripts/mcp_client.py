"""A real MCP client for the tests of `hss mcp`: the official Python SDK.

Usage:
  python mcp_client.py stdio HSS [HSS-ARGS...] -- SCENARIO [JSON]
  python mcp_client.py http URL TOKEN -- SCENARIO [JSON]

Scenarios (JSON gives their input; one JSON object is printed):
  list                       the tools (with their schemas, each checked to be
                             valid JSON Schema), the resources and their texts
  call  {"tool", "arguments"}                   one call: its result
  page  {"tool", "arguments"}                   calls with each returned
                             cursor until none is returned: every record
  calls {"tool", "arguments", "count"}          count calls in a row, each
                             with a progress callback: the results, and the
                             progress notifications heard, each with the
                             index of its call
"""

import asyncio
import json
import os
import sys

from jsonschema import Draft202012Validator
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client


def dump(result):
    return result.model_dump(mode="json", by_alias=True, exclude_none=True)


async def scenario(session, name, spec):
    await session.initialize()
    if name == "list":
        tools = (await session.list_tools()).tools
        out = {"tools": [], "resources": [], "schemas_valid": True}
        for tool in tools:
            entry = dump(tool)
            for key in ("inputSchema", "outputSchema"):
                try:
                    Draft202012Validator.check_schema(entry.get(key, {}))
                except Exception as error:  # noqa: BLE001 - reported, not raised
                    out["schemas_valid"] = False
                    out.setdefault("schema_errors", []).append(f"{tool.name} {key}: {error}")
            out["tools"].append(entry)
        for resource in (await session.list_resources()).resources:
            read = await session.read_resource(resource.uri)
            text = "".join(getattr(c, "text", "") for c in read.contents)
            out["resources"].append({"uri": str(resource.uri), "name": resource.name, "text": text})
        return out
    tool, arguments = spec["tool"], dict(spec.get("arguments", {}))
    if name == "call":
        await session.list_tools()
        return dump(await session.call_tool(tool, arguments))
    if name == "page":
        await session.list_tools()
        records, calls = [], 0
        while True:
            result = await session.call_tool(tool, arguments)
            calls += 1
            if result.is_error:
                return {"error": dump(result), "records": records, "calls": calls}
            content = result.structured_content or {}
            records.extend(content.get("records", []))
            if not content.get("cursor"):
                return {"records": records, "calls": calls, "last": content}
            arguments["cursor"] = content["cursor"]
    if name == "calls":
        await session.list_tools()
        heard, results = [], []

        async def progress(value, total, message):
            heard.append({"call": len(results), "progress": value, "total": total, "message": message})

        for _ in range(int(spec.get("count", 1))):
            result = await session.call_tool(tool, arguments, progress_callback=progress)
            results.append(dump(result))
        return {"results": results, "progress": heard}
    raise SystemExit(f"unknown scenario {name}")


async def main():
    args = sys.argv[1:]
    split = args.index("--")
    transport, rest = args[:split], args[split + 1:]
    name = rest[0]
    spec = json.loads(rest[1]) if len(rest) > 1 else {}
    if transport[0] == "stdio":
        # The server gets this process's environment (its credentials).
        params = StdioServerParameters(command=transport[1], args=transport[2:], env=dict(os.environ))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                out = await scenario(session, name, spec)
    else:
        url, token = transport[1], transport[2]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with create_mcp_http_client(headers=headers) as http:
            async with streamable_http_client(url, http_client=http) as streams:
                read, write = streams[0], streams[1]
                async with ClientSession(read, write) as session:
                    out = await scenario(session, name, spec)
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main())
