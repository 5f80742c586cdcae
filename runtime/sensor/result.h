// Failures of the system (a syscall, a map, the kernel refusing a
// program) as values: an errno and what was being done. Nothing in the
// sensor throws; every fallible call returns a Result.
#pragma once

#include <cerrno>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sg::sensor {

struct Error {
  int code = 0;        // errno value
  std::string context; // what was being done, e.g. "attaching sg_exec"
  std::string detail;  // more, such as the end of the verifier's log

  // "context: strerror(code)", then the detail on following lines.
  std::string message() const;
};

// Captures errno: call right after the failing call.
Error errno_error(std::string context);

template <typename T>
class [[nodiscard]] Result {
public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

private:
  std::optional<Error> error_;
};

using Status = Result<void>;

} // namespace sg::sensor
