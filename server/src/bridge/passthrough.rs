//! The codecs of a bridged call. The request is decoded (it must be checked) and encoded
//! again for the gateway; the gateway's answer is passed on as the bytes it sent, never
//! decoded and encoded again: the bridge checks what goes to the devices, not what comes
//! back, and the answer arrives exactly as the gateway gave it.

use bytes::{Buf, BufMut, Bytes};
use std::marker::PhantomData;
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic_prost::{ProstDecoder, ProstEncoder};

/// An answer's message bytes.
pub struct Answer(Bytes);

pub struct AnswerEncoder;

impl Encoder for AnswerEncoder {
    type Item = Answer;
    type Error = Status;
    fn encode(&mut self, item: Answer, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item.0);
        Ok(())
    }
}

pub struct AnswerDecoder;

impl Decoder for AnswerDecoder {
    type Item = Answer;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Answer>, Status> {
        Ok(Some(Answer(src.copy_to_bytes(src.remaining()))))
    }
}

/// The bridge as a server: reads the request, passes the answer on.
pub struct Inbound<Req>(PhantomData<Req>);

impl<Req> Default for Inbound<Req> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<Req: prost::Message + Default + Send + 'static> Codec for Inbound<Req> {
    type Encode = Answer;
    type Decode = Req;
    type Encoder = AnswerEncoder;
    type Decoder = ProstDecoder<Req>;
    fn encoder(&mut self) -> AnswerEncoder {
        AnswerEncoder
    }
    fn decoder(&mut self) -> ProstDecoder<Req> {
        ProstDecoder::default()
    }
}

/// The bridge as the gateway's client: sends the checked request, reads the answer's bytes.
pub struct Outbound<Req>(PhantomData<Req>);

impl<Req> Default for Outbound<Req> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<Req: prost::Message + Send + 'static> Codec for Outbound<Req> {
    type Encode = Req;
    type Decode = Answer;
    type Encoder = ProstEncoder<Req>;
    type Decoder = AnswerDecoder;
    fn encoder(&mut self) -> ProstEncoder<Req> {
        ProstEncoder::default()
    }
    fn decoder(&mut self) -> AnswerDecoder {
        AnswerDecoder
    }
}
