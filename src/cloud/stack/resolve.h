// Intrinsic functions of a template: Ref, Fn::GetAtt, Fn::Sub, Fn::Join, evaluated against the
// template's parameters and resources as CloudFormation would, with local names and ARNs:
//   Ref bucket/table/function → its name; Ref queue → its URL on the local endpoint;
//   GetAtt X.Arn (bucket, table, queue, function), Q.QueueUrl, Q.QueueName, B.DomainName;
//   pseudo parameters AWS::Region, AWS::AccountId, AWS::StackName, AWS::Partition, AWS::URLSuffix.
// A resource's physical name depends only on its name property (BucketName, TableName,
// QueueName, FunctionName), so references between resources' other properties never form a
// cycle; names that refer to each other in a circle are reported as a cycle.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "cloud/stack/template.h"
#include "cloud/stack/yaml_tree.h"

namespace cloud::stack {

class Resolver {
 public:
  // `resources` is the template's Resources mapping (may be null when there is none); it must
  // outlive the resolver. `parameters` are the resolved parameter values.
  Resolver(const TemplateOptions& options, std::map<std::string, std::string> parameters, const Node* resources);

  // The value of a property: null, strings (every scalar is a string), arrays and objects, with
  // every intrinsic function evaluated.
  base::StatusOr<nlohmann::json> Eval(const Node& node);
  // Eval that must give a string (numbers are strings in YAML's text); `what` names the property.
  base::StatusOr<std::string> EvalString(const Node& node, std::string_view what);
  // The physical name of resource `logical_id`.
  base::StatusOr<std::string> PhysicalName(const std::string& logical_id, int line);

  // The resource whose properties are being evaluated, for messages.
  void set_resource(std::string logical_id) { resource_ = std::move(logical_id); }
  const std::string& resource() const { return resource_; }
  // InvalidArgument "FILE:LINE: Resource: what" (or "FILE:LINE: what" outside resources).
  base::Status Error(int line, const std::string& what) const;

  // The type of resource `logical_id`, or "" when there is none.
  std::string ResourceType(const std::string& logical_id) const;

 private:
  base::StatusOr<nlohmann::json> EvalIntrinsic(const std::string& fn, const Node& arg, int line);
  base::StatusOr<std::string> Ref(const std::string& name, int line);
  base::StatusOr<std::string> GetAtt(const std::string& logical_id, const std::string& attribute, int line);
  base::StatusOr<std::string> Sub(const std::string& text, const std::map<std::string, std::string>& vars, int line);

  const TemplateOptions& options_;
  std::map<std::string, std::string> parameters_;
  const Node* resources_;
  std::string resource_;
  std::map<std::string, std::string> names_;  // resolved physical names
  std::set<std::string> resolving_;           // names being resolved (cycle detection)
  int depth_ = 0;
};

}  // namespace cloud::stack
