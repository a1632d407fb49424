// Settings of the convolutional MNIST example (command_line.hpp fills them, program.hpp runs
// them).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

namespace conv_mnist {

struct options {
  std::string mode = "train";
  std::size_t epochs1 = 1;      // STDP passes of layer 1
  std::size_t epochs2 = 1;      // STDP passes of layer 2
  std::size_t n_stdp = 60000;   // training images per STDP pass
  std::size_t n_train = 60000;  // training images of the readout
  std::size_t n_test = 10000;
  double C = 2.4;  // the linear SVM's cost (SpykeTorch's example)
  std::uint64_t seed = 0;
  std::string data, save, load, plot, json;
  std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::string device = "cpu";
  bool quiet = false;
};

}  // namespace conv_mnist
