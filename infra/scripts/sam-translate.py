"""Runs the SAM transform on template.yaml offline — what CloudFormation does at deploy time — and
writes the resulting CloudFormation JSON, so the test command can lint the real output too (cfn-lint
alone checks the SAM resources only against their schemas, not whether the transform accepts them).

Usage: sam-translate.py TEMPLATE OUTPUT_JSON
"""

import json
import os
import sys

from cfnlint.decode import decode
from samtranslator.translator.transform import transform


class NoManagedPolicies:
    """The template uses policy templates and inline statements only, so no IAM lookup is needed."""

    def load(self):
        return {}


def main() -> None:
    # The transform fills in pseudo parameters (AWS::Region) and wants a region; any will do offline.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    template, matches = decode(sys.argv[1])
    if matches or template is None:
        raise SystemExit(f"cannot parse {sys.argv[1]}: {matches}")
    # `sam package` replaces local CodeUri paths with the uploaded artifacts before the transform runs.
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and not str(properties.get("CodeUri", "")).startswith("s3://"):
            properties["CodeUri"] = "s3://packaged-artifacts/onair.zip"
    output = transform(template, {}, NoManagedPolicies())
    with open(sys.argv[2], "w") as f:
        json.dump(output, f, indent=1, default=str)
    print(f"SAM transform: {len(output['Resources'])} CloudFormation resources")


if __name__ == "__main__":
    main()
