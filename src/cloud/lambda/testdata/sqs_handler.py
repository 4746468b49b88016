def handler(event, context):
    bodies = [r["body"] for r in event["Records"]]
    assert all(r["eventSource"] == "aws:sqs" for r in event["Records"])
    if "poison" in bodies:
        raise ValueError("poison message")
    print("processed", bodies, flush=True)
    return {"processed": len(bodies)}
