"""One Settings object: every size cap and limit, overridable by CONVSCOPE_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.engine.streams import LAYERS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONVSCOPE_")

    max_side: int = 256  # height or width of an input
    max_channels: int = 64  # input channels
    max_filters: int = 64  # conv2d out_channels
    max_kernel: int = 15  # kernel_size per axis
    max_stride: int = 16
    max_padding: int = 16
    max_dilation: int = 8
    max_elements: int = 256 * 256 * 3  # values in one input tensor
    max_steps_full: int = 100_000  # steps in a trace streamed in full detail
    max_steps_compact: int = 2_000_000  # steps in a compact trace
    auto_full_steps: int = 20_000  # detail=auto streams full detail up to this many steps
    auto_full_numbers: int = 2_000_000  # ... and up to this many numbers in all its steps
    max_full_numbers: int = 10_000_000  # numbers in all the steps of a full-detail trace
    max_window_values: int = 8_000_000  # values in all the windows of one op (memory: 8 bytes each)
    max_output_values: int = 64 * 256 * 256  # values in the output of an op that grows it (conv_transpose2d)
    max_body_bytes: int = 8 * 1024 * 1024  # request bodies
    max_layers: Annotated[int, Field(le=LAYERS)] = 64  # layers in a stack (each layer has its own random streams)
    max_features: int = 4096  # channels, groups or features of one stack layer (shapes only, no arrays)
    max_divisor: int = 10_000  # avg_pool2d's divisor_override
    max_norm_type: float = 16.0  # lp_pool2d's norm_type (beyond it x^p overflows for modest inputs)
    max_array_text: int = 200_000  # characters of an input or weight written as text in a URL
    max_bias_text: int = 20_000  # characters of conv2d's bias written as text in a URL
    max_macs: int = 120_000_000  # multiply-adds in one conv2d (224x224x3, 64 3x3 filters: 87M)
    max_gif_frames: int = 120  # frames in one exported GIF (steps beyond are sampled evenly)
    max_gif_pixels: int = 80_000_000  # frames x width x height of one GIF (1 byte each while encoding)
    max_upload_bytes: int = 4 * 1024 * 1024  # one uploaded image file (<= max_body_bytes)
    max_upload_pixels: int = 25_000_000  # width x height declared in an uploaded image's header
    working_size: int = 128  # longest side of an image after downsizing, before convolving
    max_shots: int = 20  # transfer lesson: new examples per class
    max_epochs: int = 300  # transfer lesson: full-batch training steps
    max_expensive: int = 4  # expensive requests running at once in one worker (app/http/busy.py); beyond: 503
    busy_retry_after: int = 1  # seconds, the Retry-After of that 503
    large_trace_numbers: int = 2_000_000  # a trace streaming more numbers than this is expensive
    # Live classroom (docs/CLASSROOM.md)
    redis_url: str | None = None  # redis://host:6379/0: rooms shared by every worker and machine; unset: in memory
    classroom_idle_s: int = 3 * 60 * 60  # a room with no message for this long expires
    max_rooms: int = 500  # rooms at once in the deployment
    max_students: int = 250  # students in one room
    classroom_max_message: int = 16_384  # bytes in one WebSocket message
    classroom_rate: float = 10.0  # messages a second one connection may send, sustained ...
    classroom_burst: int = 40  # ... and at once; beyond either the connection is closed (1008)
    presence_window_s: float = 30.0  # a student is present while seen by some worker this recently


@lru_cache
def get_settings() -> Settings:
    return Settings()
