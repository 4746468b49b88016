"""DynamoDB through the real clients: boto3 (client and resource API, whose Key/Attr conditions
generate real expressions) and /usr/bin/aws, against a real `edgeface cloud`."""
import json
import os
import unittest
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from cloud_harness import CloudServer

ROOT = os.environ.get("EDGEFACE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
STUDENTS = os.path.join(ROOT, "..", "shared", "data", "cse546", "student_data.json")


def resource(cloud):
    return boto3.session.Session().resource(
        "dynamodb", endpoint_url=cloud.endpoint, region_name="us-east-1",
        aws_access_key_id=cloud.access_key, aws_secret_access_key=cloud.secret_key)


def create_events(ddb, name="events"):
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "device", "KeyType": "HASH"},
                   {"AttributeName": "ts", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "device", "AttributeType": "S"},
                              {"AttributeName": "ts", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST")
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})


class DynamoDbBoto3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = CloudServer().__enter__()
        cls.ddb = cls.cloud.boto3_client("dynamodb")

    @classmethod
    def tearDownClass(cls):
        cls.cloud.__exit__(None, None, None)

    def error_code(self, ctx):
        return ctx.exception.response["Error"]["Code"]

    def test_client_operations(self):
        ddb = self.ddb
        create_events(ddb, "client_events")
        desc = ddb.describe_table(TableName="client_events")["Table"]
        self.assertEqual(desc["TableStatus"], "ACTIVE")
        self.assertEqual(desc["KeySchema"][1], {"AttributeName": "ts", "KeyType": "RANGE"})
        self.assertIn("client_events", ddb.list_tables()["TableNames"])
        with self.assertRaises(ClientError) as ctx:
            create_events(ddb, "client_events")
        self.assertEqual(self.error_code(ctx), "ResourceInUseException")

        for i in range(30):
            ddb.put_item(TableName="client_events",
                         Item={"device": {"S": "cam1"}, "ts": {"N": str(i)}, "score": {"N": "%d.5" % i},
                               "frame": {"B": bytes([i, 0, 255])}, "labels": {"SS": ["face", "f%d" % i]}})
        item = ddb.get_item(TableName="client_events", Key={"device": {"S": "cam1"}, "ts": {"N": "7.0"}})["Item"]
        self.assertEqual(item["score"], {"N": "7.5"})
        self.assertEqual(item["frame"], {"B": bytes([7, 0, 255])})

        # Paginated query, newest first, through boto3's paginator (ExclusiveStartKey round trips).
        pages = ddb.get_paginator("query").paginate(
            TableName="client_events", KeyConditionExpression="device = :d AND ts >= :t",
            ExpressionAttributeValues={":d": {"S": "cam1"}, ":t": {"N": "10"}},
            ScanIndexForward=False, PaginationConfig={"PageSize": 7})
        seen = [int(i["ts"]["N"]) for page in pages for i in page["Items"]]
        self.assertEqual(seen, list(range(29, 9, -1)))

        updated = ddb.update_item(
            TableName="client_events", Key={"device": {"S": "cam1"}, "ts": {"N": "3"}},
            UpdateExpression="SET score = score + :inc, #s = :s REMOVE frame ADD labels :l",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":inc": {"N": "0.25"}, ":s": {"S": "seen"}, ":l": {"SS": ["known"]}},
            ReturnValues="ALL_NEW")["Attributes"]
        self.assertEqual(updated["score"], {"N": "3.75"})
        self.assertNotIn("frame", updated)
        self.assertEqual(set(updated["labels"]["SS"]), {"face", "f3", "known"})

        with self.assertRaises(ClientError) as ctx:
            ddb.put_item(TableName="client_events", Item={"device": {"S": "cam1"}, "ts": {"N": "3"}},
                         ConditionExpression="attribute_not_exists(device)")
        self.assertEqual(self.error_code(ctx), "ConditionalCheckFailedException")

        scan = ddb.scan(TableName="client_events", FilterExpression="contains(labels, :k)",
                        ExpressionAttributeValues={":k": {"S": "known"}})
        self.assertEqual(scan["Count"], 1)
        self.assertEqual(scan["ScannedCount"], 30)

        ddb.batch_write_item(RequestItems={"client_events": [
            {"DeleteRequest": {"Key": {"device": {"S": "cam1"}, "ts": {"N": str(i)}}}} for i in range(20)]})
        got = ddb.batch_get_item(RequestItems={"client_events": {"Keys": [
            {"device": {"S": "cam1"}, "ts": {"N": str(i)}} for i in (1, 25, 26)]}})
        self.assertEqual(sorted(int(i["ts"]["N"]) for i in got["Responses"]["client_events"]), [25, 26])
        self.assertEqual(got["UnprocessedKeys"], {})

        old = ddb.delete_item(TableName="client_events", Key={"device": {"S": "cam1"}, "ts": {"N": "25"}},
                              ReturnValues="ALL_OLD")["Attributes"]
        self.assertEqual(old["ts"], {"N": "25"})
        ddb.delete_table(TableName="client_events")
        with self.assertRaises(ClientError) as ctx:
            ddb.describe_table(TableName="client_events")
        self.assertEqual(self.error_code(ctx), "ResourceNotFoundException")

    def test_validation_errors_reach_the_client(self):
        create_events(self.ddb, "strict_events")
        with self.assertRaises(ClientError) as ctx:
            self.ddb.put_item(TableName="strict_events", Item={"device": {"S": "x"}})
        self.assertEqual(self.error_code(ctx), "ValidationException")
        self.assertEqual(ctx.exception.response["Error"]["Message"],
                         "One or more parameter values were invalid: Missing the key ts in the item")
        with self.assertRaises(ClientError) as ctx:
            self.ddb.query(TableName="strict_events", KeyConditionExpression="ts = :t",
                           ExpressionAttributeValues={":t": {"N": "1"}})
        self.assertEqual(ctx.exception.response["Error"]["Message"],
                         "Query condition missed key schema element: device")
        with self.assertRaises(ClientError) as ctx:
            self.ddb.update_item(TableName="strict_events", Key={"device": {"S": "x"}, "ts": {"N": "1"}},
                                 UpdateExpression="SET a = :a", ExpressionAttributeValues={":a": {"S": "1"}, ":b": {"S": "2"}})
        self.assertEqual(ctx.exception.response["Error"]["Message"],
                         "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}")

    def test_resource_api_with_conditions(self):
        db = resource(self.cloud)
        table = db.create_table(
            TableName="res_events",
            KeySchema=[{"AttributeName": "device", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "device", "AttributeType": "S"},
                                  {"AttributeName": "ts", "AttributeType": "N"}],
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
        table.wait_until_exists()
        with table.batch_writer() as batch:
            for i in range(40):
                batch.put_item(Item={"device": "cam%d" % (i % 2), "ts": Decimal(i) / 4,
                                     "who": "student_%d" % i, "conf": Decimal("0.%02d" % (i + 10)),
                                     "meta": {"w": 640, "tags": ["a", "b"], "ok": True, "none": None}})
        table.put_item(Item={"device": "cam9", "ts": 1, "big": Decimal("12345678901234567890.123456789")})
        self.assertEqual(table.get_item(Key={"device": "cam9", "ts": 1})["Item"]["big"],
                         Decimal("12345678901234567890.123456789"))

        r = table.query(KeyConditionExpression=Key("device").eq("cam0") & Key("ts").between(Decimal(2), Decimal(5)),
                        FilterExpression=Attr("conf").gt(Decimal("0.25")) & Attr("meta.w").eq(640))
        self.assertEqual([x["ts"] for x in r["Items"]], [Decimal("4"), Decimal("4.5"), Decimal("5")])
        self.assertEqual(r["ScannedCount"], 7)
        r = table.query(KeyConditionExpression=Key("device").eq("cam1") & Key("ts").lt(1),
                        ProjectionExpression="who, meta.tags[1]")
        self.assertEqual(r["Items"], [{"who": "student_1", "meta": {"tags": ["b"]}},
                                      {"who": "student_3", "meta": {"tags": ["b"]}}])
        r = table.scan(FilterExpression=Attr("who").begins_with("student_3") | Attr("big").exists())
        self.assertEqual(r["Count"], 12)  # student_3, student_30..39 and the item with "big"
        whos = sorted(x.get("who", "big") for x in table.scan(
            FilterExpression=Attr("who").is_in(["student_3", "student_4"]) | Attr("big").exists())["Items"])
        self.assertEqual(whos, ["big", "student_3", "student_4"])
        r = table.update_item(Key={"device": "cam0", "ts": 0}, UpdateExpression="SET meta.w = meta.w + :d",
                              ConditionExpression=Attr("meta.ok").eq(True), ExpressionAttributeValues={":d": 2},
                              ReturnValues="UPDATED_NEW")
        self.assertEqual(r["Attributes"], {"meta": {"w": Decimal(642)}})
        table.delete()

    def test_students_table_round_trip(self):
        with open(STUDENTS) as f:
            students = json.load(f)
        db = resource(self.cloud)
        table = db.create_table(
            TableName="students", KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        table.wait_until_exists()
        with table.batch_writer() as batch:
            for s in students:
                batch.put_item(Item=s)
        for s in students:
            got = table.get_item(Key={"name": s["name"]})["Item"]
            self.assertEqual(got, {k: (Decimal(v) if isinstance(v, int) else v) for k, v in s.items()})
        self.assertEqual(table.scan(Select="COUNT")["Count"], len(students))
        self.assertEqual(self.ddb.describe_table(TableName="students")["Table"]["ItemCount"], len(students))

    def test_aws_cli(self):
        c = self.cloud
        r = c.aws("dynamodb", "create-table", "--table-name", "cli_table",
                  "--attribute-definitions", "AttributeName=id,AttributeType=S", "AttributeName=n,AttributeType=N",
                  "--key-schema", "AttributeName=id,KeyType=HASH", "AttributeName=n,KeyType=RANGE",
                  "--billing-mode", "PAY_PER_REQUEST")
        self.assertEqual(r.returncode, 0, r.stderr)
        for n in (3, 1, 2):
            r = c.aws("dynamodb", "put-item", "--table-name", "cli_table",
                      "--item", json.dumps({"id": {"S": "a"}, "n": {"N": str(n)}, "v": {"S": "value %d" % n}}))
            self.assertEqual(r.returncode, 0, r.stderr)
        r = c.aws("dynamodb", "get-item", "--table-name", "cli_table", "--key", '{"id": {"S": "a"}, "n": {"N": "2"}}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["Item"]["v"], {"S": "value 2"})
        r = c.aws("dynamodb", "query", "--table-name", "cli_table", "--key-condition-expression", "id = :id",
                  "--expression-attribute-values", '{":id": {"S": "a"}}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([i["n"]["N"] for i in json.loads(r.stdout)["Items"]], ["1", "2", "3"])
        # The CLI paginates scans itself (page size 1 → three requests with ExclusiveStartKey).
        r = c.aws("dynamodb", "scan", "--table-name", "cli_table", "--page-size", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["Count"], 3)
        r = c.aws("dynamodb", "get-item", "--table-name", "nope_table", "--key", '{"id": {"S": "a"}}')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ResourceNotFoundException", r.stderr)


class DynamoDbDurabilityTest(unittest.TestCase):
    def test_acknowledged_writes_survive_kill9(self):
        with CloudServer() as cloud:
            ddb = cloud.boto3_client("dynamodb")
            create_events(ddb, "durable")
            for i in range(200):
                ddb.put_item(TableName="durable", Item={"device": {"S": "d"}, "ts": {"N": str(i)}})
            ddb.update_item(TableName="durable", Key={"device": {"S": "d"}, "ts": {"N": "0"}},
                            UpdateExpression="SET touched = :t", ExpressionAttributeValues={":t": {"BOOL": True}})
            cloud.kill9()
            cloud.restart()
            ddb = cloud.boto3_client("dynamodb")
            count = ddb.query(TableName="durable", KeyConditionExpression="device = :d",
                              ExpressionAttributeValues={":d": {"S": "d"}}, Select="COUNT")["Count"]
            self.assertEqual(count, 200)
            item = ddb.get_item(TableName="durable", Key={"device": {"S": "d"}, "ts": {"N": "0"}})["Item"]
            self.assertEqual(item["touched"], {"BOOL": True})


if __name__ == "__main__":
    unittest.main()
