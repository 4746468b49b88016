// AwsConfig: the SDKs' standard chains for credentials, region and endpoints.
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "client/aws.h"

namespace client {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// The sections of an AWS INI file: section name → key → value. Missing file → empty.
using Ini = std::map<std::string, std::map<std::string, std::string>>;

Ini ReadIni(const std::string& path) {
  Ini ini;
  std::ifstream in(path);
  std::string line, section;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = Trim(line.substr(1, line.size() - 2));
      ini[section];
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    ini[section][Trim(line.substr(0, eq))] = Trim(line.substr(eq + 1));
  }
  return ini;
}

std::string HomeFile(const char* env_override, const char* relative) {
  std::string p = Env(env_override);
  if (!p.empty()) return p;
  std::string home = Env("HOME");
  return home.empty() ? std::string() : home + "/" + relative;
}

// Container credentials (ECS, and Lambda's SnapStart-style providers): a GET that answers
// {"AccessKeyId","SecretAccessKey","Token","Expiration"}.
base::StatusOr<aws::Credentials> ContainerCredentials(const std::string& url) {
  HttpClient http;
  http::Headers headers;
  std::string token = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (!token.empty()) headers.Set("Authorization", token);
  RequestOptions options;
  options.timeout = std::chrono::milliseconds(2000);
  options.connect_timeout = std::chrono::milliseconds(1000);
  auto r = http.Get(url, headers, options);
  if (!r.ok()) return r.status().WithContext("container credentials endpoint " + url);
  if (r->status != 200) {
    return base::Status::Unavailable("container credentials endpoint " + url + " answered " + std::to_string(r->status));
  }
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("AccessKeyId") || !j.contains("SecretAccessKey")) {
    return base::Status::InvalidArgument("container credentials endpoint " + url + " gave no AccessKeyId/SecretAccessKey");
  }
  aws::Credentials c;
  c.access_key = j.value("AccessKeyId", "");
  c.secret_key = j.value("SecretAccessKey", "");
  c.session_token = j.value("Token", "");
  return c;
}

}  // namespace

AwsConfig AwsConfig::Local(std::string endpoint) {
  AwsConfig c;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  c.endpoint = std::move(endpoint);
  return c;
}

base::StatusOr<AwsConfig> AwsConfig::FromEnvironment() {
  AwsConfig c;
  std::string profile = Env("AWS_PROFILE");
  const bool profile_named = !profile.empty();
  if (!profile_named) profile = "default";
  Ini credentials_file = ReadIni(HomeFile("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"));
  Ini config_file = ReadIni(HomeFile("AWS_CONFIG_FILE", ".aws/config"));
  // The config file names sections "profile X", except "default".
  const std::string config_section = profile == "default" ? profile : "profile " + profile;
  auto cred_it = credentials_file.find(profile);
  auto conf_it = config_file.find(config_section);
  if (profile_named && cred_it == credentials_file.end() && conf_it == config_file.end()) {
    return base::Status::NotFound("AWS_PROFILE names profile '" + profile + "', which no config or credentials file has");
  }
  auto profile_value = [&](const char* key) -> std::string {
    if (cred_it != credentials_file.end()) {
      auto v = cred_it->second.find(key);
      if (v != cred_it->second.end()) return v->second;
    }
    if (conf_it != config_file.end()) {
      auto v = conf_it->second.find(key);
      if (v != conf_it->second.end()) return v->second;
    }
    return {};
  };

  // Credentials: environment, then profile, then the container endpoint; else the local default.
  if (!Env("AWS_ACCESS_KEY_ID").empty() && !Env("AWS_SECRET_ACCESS_KEY").empty()) {
    c.credentials.access_key = Env("AWS_ACCESS_KEY_ID");
    c.credentials.secret_key = Env("AWS_SECRET_ACCESS_KEY");
    c.credentials.session_token = Env("AWS_SESSION_TOKEN");
  } else if (!profile_value("aws_access_key_id").empty()) {
    c.credentials.access_key = profile_value("aws_access_key_id");
    c.credentials.secret_key = profile_value("aws_secret_access_key");
    c.credentials.session_token = profile_value("aws_session_token");
  } else if (!Env("AWS_CONTAINER_CREDENTIALS_FULL_URI").empty() ||
             !Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").empty()) {
    std::string url = Env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (url.empty()) url = "http://169.254.170.2" + Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    auto creds = ContainerCredentials(url);
    if (!creds.ok()) return creds.status();
    c.credentials = *creds;
  }

  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (!Env(name).empty()) {
      c.region = Env(name);
      break;
    }
  }
  if (Env("AWS_REGION").empty() && Env("AWS_DEFAULT_REGION").empty() && !profile_value("region").empty()) {
    c.region = profile_value("region");
  }

  c.endpoint = Env("AWS_ENDPOINT_URL");
  if (c.endpoint.empty()) c.endpoint = profile_value("endpoint_url");
  while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();
  for (const char* service : {"s3", "dynamodb", "sqs", "lambda", "logs", "monitoring"}) {
    std::string var = "AWS_ENDPOINT_URL_";
    for (const char* p = service; *p; ++p) var += static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
    if (var == "AWS_ENDPOINT_URL_MONITORING") var = "AWS_ENDPOINT_URL_CLOUDWATCH";
    if (var == "AWS_ENDPOINT_URL_LOGS") var = "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS";
    std::string v = Env(var.c_str());
    while (!v.empty() && v.back() == '/') v.pop_back();
    if (!v.empty()) c.service_endpoints[service] = v;
  }
  std::string attempts = Env("AWS_MAX_ATTEMPTS");
  if (!attempts.empty()) {
    int n = std::atoi(attempts.c_str());
    if (n >= 1 && n <= 20) c.max_attempts = n;
  }
  return c;
}

std::string AwsConfig::EndpointFor(std::string_view service) const {
  auto it = service_endpoints.find(std::string(service));
  if (it != service_endpoints.end()) return it->second;
  if (!endpoint.empty()) return endpoint;
  return "https://" + std::string(service) + "." + region + ".amazonaws.com";
}

}  // namespace client
