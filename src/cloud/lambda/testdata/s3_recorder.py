import json
import os


def handler(event, context):
    """Writes each event it gets to $OUT_DIR/<request id>.json (for the S3 trigger test)."""
    path = os.path.join(os.environ["OUT_DIR"], context["aws_request_id"] + ".json")
    with open(path + ".tmp", "w") as f:
        json.dump(event, f)
    os.rename(path + ".tmp", path)
    print("recorded", event["Records"][0]["s3"]["object"]["key"], flush=True)
    return {"ok": True}
