import os


def handler(event, context):
    if isinstance(event, dict) and "fail" in event:
        raise ValueError(event["fail"])
    print("python got", event, flush=True)
    return {"got": event, "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
            "memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
            "endpoint": os.environ.get("AWS_ENDPOINT_URL", "")}
