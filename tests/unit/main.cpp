#define BOOST_TEST_MODULE litmus_proxy_unit
#include <boost/test/unit_test.hpp>
