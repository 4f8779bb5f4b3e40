// The message of the RegistryError a call throws, for EXPECT_THAT(..., HasSubstr(...)).
#pragma once

#include <exception>
#include <rlloss/registry.hpp>
#include <string>

namespace rlloss::test {

template <class Call>
std::string registry_error(Call&& call) {
  try {
    call();
  } catch (const RegistryError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("unexpected exception type: ") + e.what();
  }
  return "no error was thrown";
}

}  // namespace rlloss::test
